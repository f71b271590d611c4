"""pickups record the language they were booked in (the contact's emails are written in it)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pickups', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=2), server_default='fr', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('pickups', schema=None) as batch_op:
        batch_op.drop_column('language')
