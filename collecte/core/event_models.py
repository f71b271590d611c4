"""The event log's table and its counter, and the kinds and subjects an event can have
(collecte.core.events writes the log, collecte.core.chain hash-chains it)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from collecte.core.db import Base
from collecte.core.enums import enum_column
from collecte.core.types import UTCDateTime, utcnow


class EventKind(enum.StrEnum):
    # devices
    INTAKE = "intake"
    TRANSITION = "transition"
    DIAGNOSIS = "diagnosis"
    ERASURE = "erasure"
    STORAGE_ABSENT = "storage_absent"
    GRADE = "grade"
    REPAIR = "repair"
    HOLD = "hold"
    RELEASE = "release"
    MOVE = "move"
    LABEL_PRINTED = "label_printed"
    # pickups
    PICKUP_REQUESTED = "pickup_requested"
    PICKUP_UPDATED = "pickup_updated"
    PICKUP_SCHEDULED = "pickup_scheduled"
    PICKUP_COLLECTED = "pickup_collected"
    PICKUP_CANCELLED = "pickup_cancelled"
    # partners' requests
    REQUEST_SUBMITTED = "request_submitted"
    REQUEST_APPROVED = "request_approved"
    REQUEST_REJECTED = "request_rejected"
    REQUEST_CANCELLED = "request_cancelled"
    REQUEST_CLOSED = "request_closed"
    REQUEST_LINE_CHANGED = "request_line_changed"
    # devices in the partner flow (each also a status change of the device)
    ALLOCATED = "allocated"
    DEALLOCATED = "deallocated"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    NOT_DELIVERED = "not_delivered"
    RETURNED = "returned"
    HANDED_OVER = "handed_over"
    HANDOVER_UNDONE = "handover_undone"
    # shipments
    SHIPMENT_CREATED = "shipment_created"
    SHIPMENT_DISPATCHED = "shipment_dispatched"
    SHIPMENT_DELIVERED = "shipment_delivered"


class Subject(enum.StrEnum):
    """What an event is about (requests, shipments and hand-overs come with the partner work)."""

    DEVICE = "device"
    PICKUP = "pickup"
    REQUEST = "request"
    SHIPMENT = "shipment"
    HANDOVER = "handover"


class Event(Base):
    """One line of the append-only history, with the dimensions impact counts by."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_device_id_seq", "device_id", "seq"),
        Index("ix_events_pickup_id_seq", "pickup_id", "seq"),
        Index("ix_events_kind_occurred_at", "kind", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None until the writing transaction commits (``number_events``); committed events all have one.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    subject: Mapped[Subject] = mapped_column(enum_column(Subject, "event_subject"))
    # The subject and what it belongs to (request, shipment: their tables come later).
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="RESTRICT"))
    pickup_id: Mapped[int | None] = mapped_column(ForeignKey("pickups.id", ondelete="RESTRICT"))
    # Plain integers, no foreign key: the log outlives nothing, but the request and shipment
    # tables came after it and the log keeps no constraint it would have to migrate.
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    shipment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    beneficiary_ref: Mapped[str | None] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    # Dimensions, as they were when the event was written.
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="RESTRICT"), index=True
    )
    territory: Mapped[str | None] = mapped_column(String(3), index=True)
    donor_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    category: Mapped[str | None] = mapped_column(String(20), index=True)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The link of the hash chain (collecte.core.chain): set with ``seq``, as the event commits.
    hash: Mapped[str | None] = mapped_column(String(64))

    @classmethod
    def log_order(cls) -> tuple[ColumnElement[Any], ...]:
        """The log's order, this transaction's own events (not numbered yet) last."""
        return (cls.seq.asc().nulls_last(), cls.id.asc())


class EventSequence(Base):
    """The counter behind ``Event.seq``: one row, incremented by each event written."""

    __tablename__ = "event_sequence"

    id: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(BigInteger, default=0)
    # The hash of event number ``last``: the head of the chain ('' before the first event).
    head: Mapped[str] = mapped_column(String(64), default="")
