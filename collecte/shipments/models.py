"""Shipments (devices of one request on their way to its partner) and hand-overs to beneficiaries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from collecte.core.db import Base
from collecte.core.enums import enum_column
from collecte.core.state import guard_status_column
from collecte.core.types import UTCDateTime, utcnow
from collecte.shipments.lifecycle import SHIPMENT_MACHINE, ShipmentStatus


class Shipment(Base):
    """Devices allocated to one request, picked, dispatched together, confirmed by the partner.
    Its devices are the allocations that name it (``Allocation.shipment_id``)."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="RESTRICT"), index=True
    )
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[ShipmentStatus] = mapped_column(
        enum_column(ShipmentStatus, "shipment_status"), default=ShipmentStatus.PREPARING
    )
    carrier: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declarative hook)


guard_status_column(Shipment.status, SHIPMENT_MACHINE)


class Handover(Base):
    """A delivered device given to a beneficiary, known only by the partner's pseudonym."""

    __tablename__ = "handovers"
    __table_args__ = (
        Index("ix_handovers_partner_id_beneficiary_ref", "partner_id", "beneficiary_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="RESTRICT"), index=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="RESTRICT"))
    beneficiary_ref: Mapped[str] = mapped_column(String(60))
    age_band: Mapped[str | None] = mapped_column(String(10))
    situation: Mapped[str | None] = mapped_column(String(30))
    postcode: Mapped[str | None] = mapped_column(String(5))
    price_paid_eur: Mapped[float | None] = mapped_column(Numeric(8, 2, asdecimal=False))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    handed_over_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Undone by its author the same day (wrong device), or by a return of the device.
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    undo_reason: Mapped[str] = mapped_column(Text, default="")
