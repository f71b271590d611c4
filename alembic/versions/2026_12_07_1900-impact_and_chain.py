"""impact counts and facts, the events' hash chain, the organisations' public opt-in

Tables ``impact_facts``, ``impact_counts`` and ``impact_rollups`` (collecte.impact.models), filled from the events
already written; ``events.hash`` and ``event_sequence.head`` (collecte.core.chain), the chain
computed over the events already written; ``organizations.impact_public``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DIMENSIONS = ("day", "workshop_id", "donor_id", "partner_id", "site_id", "territory", "category")
_COUNTS = (
    "collected",
    "collected_unweighed",
    "refurbished",
    "redistributed",
    "redistributed_unweighed",
    "handed_over",
    "recycled",
    "recycled_unweighed",
    "parts",
    "integration_minutes",
)
_PEOPLE_INDEXES = {
    "all": ["fact"],
    "day": ["day"],
    "month": ["month"],
    "donor": ["donor_id"],
    "site": ["site_id"],
    "territory": ["territory"],
    "category": ["category"],
    "workshop": ["workshop_id"],
}
_WEIGHTS = ("collected_weighed_kg", "redistributed_weighed_kg", "recycled_weighed_kg")


def _dimension_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("workshop_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("donor_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("partner_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("site_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("territory", sa.String(length=3), nullable=False, server_default=""),
        sa.Column("category", sa.String(length=20), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    op.create_table(
        "impact_facts",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("fact", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        *_dimension_columns(),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("beneficiary_ref", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_impact_facts")),
    )
    op.create_index("ix_impact_facts_device_id", "impact_facts", ["device_id"])
    op.create_index("ix_impact_facts_day", "impact_facts", ["day"])
    op.create_index("ix_impact_facts_donor_id", "impact_facts", ["donor_id"])
    for name, columns in _PEOPLE_INDEXES.items():
        op.create_index(
            f"ix_impact_people_{name}",
            "impact_facts",
            [*columns, "partner_id", "beneficiary_ref"],
            postgresql_where=sa.text("fact = 'handed_over'"),
            sqlite_where=sa.text("fact = 'handed_over'"),
            postgresql_include=[] if name == "day" else ["day"],
        )
    op.create_table(
        "impact_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_dimension_columns(),
        *[sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in _COUNTS],
        *[sa.Column(name, sa.Float(), nullable=False, server_default="0") for name in _WEIGHTS],
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_counts")),
        sa.UniqueConstraint(*_DIMENSIONS, name="uq_impact_counts_key"),
    )
    for dimension in ("donor", "partner", "site", "workshop"):
        op.create_index(
            f"ix_impact_counts_{dimension}_day", "impact_counts", [f"{dimension}_id", "day"]
        )
    op.create_index("ix_impact_counts_territory_day", "impact_counts", ["territory", "day"])
    op.create_table(
        "impact_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=10), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("category", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("ref_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("territory", sa.String(length=3), nullable=False, server_default=""),
        *[sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in _COUNTS],
        *[sa.Column(name, sa.Float(), nullable=False, server_default="0") for name in _WEIGHTS],
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_rollups")),
        sa.UniqueConstraint(
            "grain", "month", "workshop_id", "category", "ref_id", "territory",
            name="uq_impact_rollups_key",
        ),
    )
    op.create_index("ix_impact_rollups_ref", "impact_rollups", ["grain", "ref_id", "month"])
    op.create_index(
        "ix_impact_rollups_territory", "impact_rollups", ["grain", "territory", "month"]
    )
    op.create_index(
        "ix_impact_rollups_workshop", "impact_rollups", ["grain", "workshop_id", "month"]
    )
    # Plain ALTER TABLE … ADD COLUMN: a batch copy of the tables on SQLite would trip over the
    # rows that refer to them.
    op.add_column(
        "organizations",
        sa.Column("impact_public", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("events", sa.Column("hash", sa.String(length=64), nullable=True))
    op.add_column(
        "event_sequence",
        sa.Column("head", sa.String(length=64), nullable=False, server_default=""),
    )
    _chain_the_events_written()
    _count_the_events_written()


def _chain_the_events_written() -> None:
    """Hash the events already written, in order (collecte.core.chain)."""
    from collecte.core.chain import chain_the_log  # the one definition of a link

    chain_the_log(op.get_bind())


def _count_the_events_written() -> None:
    """Derive the impact facts and counts of the events already written (collecte.impact)."""
    from sqlalchemy.orm import Session

    from collecte.impact.keeping import rebuild

    # The session joins the migration's transaction, and leaves its ending to Alembic.
    with Session(bind=op.get_bind()) as session:
        rebuild(session)
        session.flush()


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of the tables would trip over
    # the rows that refer to them.
    op.drop_column("event_sequence", "head")
    op.drop_column("events", "hash")
    op.drop_column("organizations", "impact_public")
    op.drop_table("impact_rollups")
    op.drop_table("impact_counts")
    op.drop_table("impact_facts")
