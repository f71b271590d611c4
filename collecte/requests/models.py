"""Equipment requests, their lines, and the bindings of devices to lines (allocations)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collecte.core.db import Base
from collecte.core.enums import enum_column
from collecte.core.state import guard_status_column
from collecte.core.types import UTCDateTime, utcnow
from collecte.devices.checklists import Category
from collecte.devices.grading import Grade
from collecte.requests.lifecycle import REQUEST_MACHINE, CancelReason, RequestStatus


class EquipmentRequest(Base):
    """A partner's request for devices, addressed to one workshop."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_workshop_id_status", "workshop_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    workshop_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    # The partner's département when it asked: the workshops serving it see the request.
    territory: Mapped[str] = mapped_column(String(3), index=True)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.SUBMITTED
    )
    beneficiaries_count: Mapped[int] = mapped_column(Integer, default=0)
    needed_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[CancelReason | None] = mapped_column(
        enum_column(CancelReason, "request_cancel_reason")
    )
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Optimistic locking: an approval and a cancellation cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[RequestLine]] = relationship(
        lazy="raise", order_by="RequestLine.id", back_populates="request"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declarative hook)


guard_status_column(EquipmentRequest.status, REQUEST_MACHINE)


class RequestLine(Base):
    """What a request asks for: a quantity of one category, with optional minimums."""

    __tablename__ = "request_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="RESTRICT"), index=True
    )
    category: Mapped[Category] = mapped_column(enum_column(Category, "request_line_category"))
    quantity: Mapped[int] = mapped_column(Integer)
    min_ram_gb: Mapped[int | None]
    min_storage_gb: Mapped[int | None]
    min_grade: Mapped[Grade | None] = mapped_column(enum_column(Grade, "request_line_grade"))

    request: Mapped[EquipmentRequest] = relationship(lazy="raise", back_populates="lines")


class BindingEnd(enum.StrEnum):
    """Why a device is no longer bound to a line (a delivered device stays bound)."""

    RELEASED = "released"  # taken out of the request by the workshop
    CANCELLED = "cancelled"  # the request was cancelled
    RETURNED = "returned"  # came back (not delivered, or returned by the partner)
    LOST = "lost"  # lost on the way


class Allocation(Base):
    """A device bound to a request line, from allocation until it ends; the counts of a line are
    read from these rows, never stored.

    At most one binding per device is active (``ended_at`` null): a partial unique index, the
    same on SQLite and PostgreSQL, so no device is bound twice whatever the concurrency.
    """

    __tablename__ = "allocations"
    __table_args__ = (
        Index(
            "uq_allocations_active_device",
            "device_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_allocations_request_id_line_id", "request_id", "line_id"),
        # The devices a partner holds (``devices.policy.device_visibility``), read from the index
        # alone, request by request (migration 0019).
        Index(
            "ix_allocations_held_request_id_device_id",
            "request_id",
            "device_id",
            sqlite_where=text("ended_at IS NULL AND shipped_at IS NOT NULL"),
            postgresql_where=text("ended_at IS NULL AND shipped_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="RESTRICT"))
    line_id: Mapped[int] = mapped_column(ForeignKey("request_lines.id", ondelete="RESTRICT"))
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="RESTRICT"), index=True
    )
    allocated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    allocated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    shipment_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="RESTRICT"), index=True
    )
    shipped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    end: Mapped[BindingEnd | None] = mapped_column(enum_column(BindingEnd, "allocation_end"))
    end_reason: Mapped[str] = mapped_column(Text, default="")
