"""one-time password reset links: only the token's hash is kept; accounts' token version

Table ``password_resets`` (collecte.auth.models.PasswordReset): a link sent through the outbox
("forgot password", or the operator's "send a reset link"), usable once until it expires.
``users.token_version``: bumped by a deactivation, it ends the bearer tokens issued before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import collecte.core.types


revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_table(
        'password_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', collecte.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', collecte.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', collecte.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('by_admin', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_password_resets_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash')),
    )
    op.create_index(op.f('ix_password_resets_user_id'), 'password_resets', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_password_resets_user_id'), table_name='password_resets')
    op.drop_table('password_resets')
    op.drop_column("users", "token_version")
