"""where the positions of pickups and sites come from

``pickups.position_source`` and ``sites.position_source``: "address" (the geocoder found it),
"commune" (the centre of the postcode's commune: approximate), "manual" (given or corrected), or
null (no position, or one recorded before this revision); ``position_label``: what the geocoder
matched, or the commune's name.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 09:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("pickups", "sites")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("position_source", sa.String(length=10), nullable=True))
        op.add_column(
            table,
            sa.Column("position_label", sa.String(length=300), nullable=False, server_default=""),
        )


def downgrade() -> None:
    # Plain drops (SQLite 3.35+ drops a column in place): a batch copy of sites or pickups would
    # fail on the rows that refer to them.
    for table in _TABLES:
        op.drop_column(table, "position_label")
        op.drop_column(table, "position_source")
