"""What impact counts from, kept in step with the event log in the writing transaction.

``ImpactFact``: one row per event that counts (an intake, a device's first time available, its
standing delivery or hand-over, its exit to recycling or parts, an integration worker's repair),
with the dimensions it counts under. They are exactly what ``collecte.impact.facts`` derives from
the events; a change to a device's history replaces that device's facts.

``ImpactRollup``: the same sums per month, category and workshop, and one dimension at most (a
donor, a partner, a site or a territory, or none): what a reading for a whole number of months
and at most one such filter or breakdown reads, in thousands of rows rather than millions.

``ImpactCount``: the facts summed per local day and dimension (0 or '' for none, so that the
unique key holds on both databases), the table every counter and breakdown reads. Weights are
kept as recorded plus a count of devices without one, and emissions not at all: the factor file
applies when the figures are read, so a new factor version needs no rewrite of the counts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from collecte.core.db import Base

# The dimensions of a count, in the order of its unique key.
DIMENSIONS = ("day", "workshop_id", "donor_id", "partner_id", "site_id", "territory", "category")


class Measures:
    """What a count adds up: the columns of the daily counts and of the rollups alike."""

    collected: Mapped[int] = mapped_column(Integer, default=0)
    collected_weighed_kg: Mapped[float] = mapped_column(Float, default=0.0)
    collected_unweighed: Mapped[int] = mapped_column(Integer, default=0)
    refurbished: Mapped[int] = mapped_column(Integer, default=0)
    redistributed: Mapped[int] = mapped_column(Integer, default=0)
    redistributed_weighed_kg: Mapped[float] = mapped_column(Float, default=0.0)
    redistributed_unweighed: Mapped[int] = mapped_column(Integer, default=0)
    handed_over: Mapped[int] = mapped_column(Integer, default=0)
    recycled: Mapped[int] = mapped_column(Integer, default=0)
    recycled_weighed_kg: Mapped[float] = mapped_column(Float, default=0.0)
    recycled_unweighed: Mapped[int] = mapped_column(Integer, default=0)
    parts: Mapped[int] = mapped_column(Integer, default=0)
    integration_minutes: Mapped[int] = mapped_column(Integer, default=0)


# Their names, in order.
MEASURES = tuple(Measures.__annotations__)


# The people-equipped indexes: (name, leading columns).
PEOPLE_INDEXES: dict[str, tuple[str, ...]] = {
    "all": ("fact",),
    "day": ("day",),
    "month": ("month",),
    "donor": ("donor_id",),
    "site": ("site_id",),
    "territory": ("territory",),
    "category": ("category",),
    "workshop": ("workshop_id",),
}


class ImpactFact(Base):
    __tablename__ = "impact_facts"
    # People equipped are counted from the standing hand-overs: per breakdown, an index whose
    # entries come in (key, beneficiary) order, so that a count of distinct beneficiaries reads
    # the index only, already sorted (partial: the hand-overs are a tenth of the facts).
    __table_args__ = tuple(
        Index(
            f"ix_impact_people_{name}",
            *columns,
            "partner_id",
            "beneficiary_ref",
            postgresql_where=text("fact = 'handed_over'"),
            sqlite_where=text("fact = 'handed_over'"),
            # (and the day, for a period: still read from the index alone on PostgreSQL)
            postgresql_include=[] if name == "day" else ["day"],
        )
        for name, columns in PEOPLE_INDEXES.items()
    )

    # The event the fact comes from (one fact per event at most).
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    device_id: Mapped[int] = mapped_column(Integer, index=True)
    fact: Mapped[str] = mapped_column(String(20))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the day's month
    workshop_id: Mapped[int] = mapped_column(Integer, default=0)
    donor_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    partner_id: Mapped[int] = mapped_column(Integer, default=0)
    site_id: Mapped[int] = mapped_column(Integer, default=0)
    territory: Mapped[str] = mapped_column(String(3), default="")
    category: Mapped[str] = mapped_column(String(20), default="")
    weight_kg: Mapped[float | None] = mapped_column(Float)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    beneficiary_ref: Mapped[str | None] = mapped_column(String(100))


class ImpactCount(Measures, Base):
    __tablename__ = "impact_counts"
    __table_args__ = (
        UniqueConstraint(*DIMENSIONS, name="uq_impact_counts_key"),
        Index("ix_impact_counts_donor_day", "donor_id", "day"),
        Index("ix_impact_counts_partner_day", "partner_id", "day"),
        Index("ix_impact_counts_site_day", "site_id", "day"),
        Index("ix_impact_counts_territory_day", "territory", "day"),
        Index("ix_impact_counts_workshop_day", "workshop_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    workshop_id: Mapped[int] = mapped_column(Integer, default=0)
    donor_id: Mapped[int] = mapped_column(Integer, default=0)
    partner_id: Mapped[int] = mapped_column(Integer, default=0)
    site_id: Mapped[int] = mapped_column(Integer, default=0)
    territory: Mapped[str] = mapped_column(String(3), default="")
    category: Mapped[str] = mapped_column(String(20), default="")


# The rollups' grains: none (the network or a workshop), or one dimension.
GRAINS = ("all", "donor", "partner", "site", "territory")


class ImpactRollup(Measures, Base):
    __tablename__ = "impact_rollups"
    __table_args__ = (
        UniqueConstraint(
            "grain",
            "month",
            "workshop_id",
            "category",
            "ref_id",
            "territory",
            name="uq_impact_rollups_key",
        ),
        Index("ix_impact_rollups_ref", "grain", "ref_id", "month"),
        Index("ix_impact_rollups_territory", "grain", "territory", "month"),
        Index("ix_impact_rollups_workshop", "grain", "workshop_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(10))
    month: Mapped[dt.date] = mapped_column(Date)  # its first day
    workshop_id: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(20), default="")
    # The donor's, partner's or site's id for those grains, else 0.
    ref_id: Mapped[int] = mapped_column(Integer, default=0)
    # The département for the territory grain, else ''.
    territory: Mapped[str] = mapped_column(String(3), default="")
