"""outbox messages name their pickup

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 15:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pickup_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_pickup_id'), ['pickup_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_pickup_id_pickups'), 'pickups', ['pickup_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_pickup_id_pickups'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_pickup_id'))
        batch_op.drop_column('pickup_id')
