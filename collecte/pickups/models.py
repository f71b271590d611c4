"""Pickup requests: a donor's storeroom, when and how to reach it, what waits there."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from collecte.core.db import Base
from collecte.core.enums import enum_column
from collecte.core.state import guard_status_column
from collecte.core.types import UTCDateTime, utcnow
from collecte.pickups.lifecycle import PICKUP_MACHINE, PickupStatus


class DataDestruction(enum.StrEnum):
    CERTIFICATE = "certificate"  # wiped in the workshop, serial-level erasure certificate
    ONSITE = "onsite_destruction"  # storage destroyed at the donor's, before it leaves


class Pickup(Base):
    __tablename__ = "pickups"
    # A donor's pickups of one status, the latest collected first (its home page), from the index
    # (migration 0019); the prefix serves every look-up by donor.
    __table_args__ = (
        Index("ix_pickups_donor_id_status_collected_at", "donor_id", "status", "collected_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    status: Mapped[PickupStatus] = mapped_column(
        enum_column(PickupStatus, "pickup_status"), default=PickupStatus.REQUESTED, index=True
    )
    address: Mapped[str] = mapped_column(String(300))
    building: Mapped[str] = mapped_column(String(100), default="")
    floor: Mapped[str] = mapped_column(String(50), default="")
    room: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    territory: Mapped[str] = mapped_column(String(3), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # Where the position came from (collecte.geo.position.PositionSource: address, commune,
    # manual); null without one. What the geocoder matched, or the commune's name.
    position_source: Mapped[str | None] = mapped_column(String(10))
    position_label: Mapped[str] = mapped_column(String(300), default="", server_default="")
    has_elevator: Mapped[bool] = mapped_column(Boolean, default=False)
    has_loading_dock: Mapped[bool] = mapped_column(Boolean, default=False)
    stairs: Mapped[bool] = mapped_column(Boolean, default=False)
    van_parking: Mapped[bool] = mapped_column(Boolean, default=False)
    access_notes: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    call_ahead: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language the pickup was booked in: the contact's emails are written in it.
    language: Mapped[str] = mapped_column(String(2), default="fr", server_default="fr")
    # [{"start": iso datetime, "end": iso datetime}] the donor can receive the team.
    windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"category": ..., "quantity": n}] as declared by the donor.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    estimated_weight_kg: Mapped[float | None]
    data_destruction: Mapped[DataDestruction] = mapped_column(
        enum_column(DataDestruction, "pickup_data_destruction"), default=DataDestruction.CERTIFICATE
    )
    # Serials or asset tags from the donor's inventory file, for reconciliation.
    declared_serials: Mapped[list[str]] = mapped_column(JSON, default=list)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    scheduled_on: Mapped[dt.date | None] = mapped_column(Date)
    window_start: Mapped[str] = mapped_column(String(5), default="")
    window_end: Mapped[str] = mapped_column(String(5), default="")
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="RESTRICT"), index=True
    )
    vehicle: Mapped[str] = mapped_column(String(60), default="")
    collected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    collected_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    collected_weight_kg: Mapped[float | None]
    released_by: Mapped[str] = mapped_column(String(200), default="")
    received_by: Mapped[str] = mapped_column(String(200), default="")
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    @property
    def position_approximate(self) -> bool:
        """The position is the commune's centre, not the address."""
        return self.position_source == "commune"

    @property
    def declared_counts(self) -> dict[str, int]:
        """How many devices of each category the donor declared (a category listed twice adds up)."""
        counts: dict[str, int] = {}
        for item in self.items:
            category = str(item["category"])
            counts[category] = counts.get(category, 0) + int(item["quantity"])
        return counts


# The status column is written by PICKUP_MACHINE.move only (pickups.service).
guard_status_column(Pickup.status, PICKUP_MACHINE)

__all__ = ["DataDestruction", "Pickup", "PickupStatus"]
