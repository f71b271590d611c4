"""workshops declare the départements they serve

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('workshop_territories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('territory', sa.String(length=3), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.CheckConstraint('priority >= 1', name=op.f('ck_workshop_territories_priority_positive')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_workshop_territories_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_territories')),
    sa.UniqueConstraint('organization_id', 'territory', name=op.f('uq_workshop_territories_organization_id'))
    )
    with op.batch_alter_table('workshop_territories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_territories_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_territories_territory'), ['territory'], unique=False)

    # Until now every workshop saw every request: from here each serves its own département,
    # first choice, until the operator declares more.
    op.execute(
        "INSERT INTO workshop_territories (organization_id, territory, priority) "
        "SELECT id, territory, 1 FROM organizations WHERE kind = 'workshop'"
    )


def downgrade() -> None:
    with op.batch_alter_table('workshop_territories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_territories_territory'))
        batch_op.drop_index(batch_op.f('ix_workshop_territories_organization_id'))

    op.drop_table('workshop_territories')
