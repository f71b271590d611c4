"""a donor's devices by status: one index for its traceability and home page tallies

``ix_devices_donor_id_status`` on ``devices (donor_id, status)`` replaces ``ix_devices_donor_id``
(its prefix): a donor's tally is one GROUP BY read from the index alone.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_devices_donor_id_status", "devices", ["donor_id", "status"])
    op.drop_index("ix_devices_donor_id", table_name="devices")


def downgrade() -> None:
    op.create_index("ix_devices_donor_id", "devices", ["donor_id"])
    op.drop_index("ix_devices_donor_id_status", table_name="devices")
