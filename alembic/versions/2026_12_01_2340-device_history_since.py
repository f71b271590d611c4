"""devices remember when their workshop history last started afresh (intake, a return, a find)

The rules compare a device's records with this instant instead of looking it up in the event log
for every fact. Backfilled from the latest resetting event, else the intake time.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import collecte.core.types


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "history_since", collecte.core.types.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.execute(
        "UPDATE devices SET history_since = COALESCE("
        "(SELECT MAX(e.recorded_at) FROM events e WHERE e.device_id = devices.id"
        " AND e.to_status IN ('returned', 'received')), received_at)"
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.alter_column(
            "history_since",
            existing_type=collecte.core.types.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("history_since")
