"""The one event log: every domain's history goes through ``record_event``.

An event says who did what, to which subject, when it happened (``occurred_at``, which may be
typed in) and when it was written (``recorded_at``). Its kind is an ``EventKind``; each kind has a
pydantic payload, validated at write time, so a payload cannot drift from what readers expect.
The dimensions impact aggregates on (workshop, site, territory, donor, partner, category, weight,
and later request, shipment, beneficiary) are real indexed columns copied at write time: counting
is a plain ``GROUP BY``, never JSON SQL.

``seq`` is the log's global, gap-free order. It comes from one counter row incremented in the
writing transaction: a rolled-back transaction gives its number back, so the numbers of committed
events have no gaps (the autoincrement id can). The price is that writers of events take turns on
that row until they commit, so the events are numbered as the transaction commits
(``number_events``, from a ``before_commit`` hook), not when they are written: the row is then
held for three statements (the counter, the numbers, COMMIT) rather than for the rest of the
request. Holding it from the write on, 50 clients receiving devices and printing labels queued
on it for seconds (bench/load.py: intake p50 1.3 s, requests beyond 10 s). Until its transaction
commits, an event is in the table with no ``seq``, seen only by that transaction; readers order
such events after (or, newest first, before) the numbered ones. The exception is a batch its
transaction writes last (an allocation run's events, ``record_events(numbered_now=True)``):
numbered as it is written, rather than written a second time to number it at the commit.

Other domains react to events through ``subscribe`` (an email when a certificate becomes ready),
so the domain that writes an event never imports the one that reacts to it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from collecte.core.db import Base
from collecte.core.enums import enum_column
from collecte.core.payloads import (
    AllocationPayload,
    DecisionPayload,
    DiagnosisPayload,
    ErasurePayload,
    GradePayload,
    HandoverPayload,
    MovePayload,
    NoPayload,
    NotDeliveredPayload,
    PartUsed,
    Payload,
    PickupCollectedPayload,
    PickupItem,
    PickupRequestedPayload,
    PickupScheduledPayload,
    PickupUpdatedPayload,
    ReasonPayload,
    RepairPayload,
    RequestLineChangedPayload,
    RequestLinePayload,
    RequestSubmittedPayload,
    ReturnPayload,
    ShipmentDeliveredPayload,
    ShipmentPayload,
    TransitionPayload,
)
from collecte.core.types import UTCDateTime, utcnow

# The payload models are imported from here by every domain (one place to import the log from).
__all__ = [
    "AllocationPayload",
    "DecisionPayload",
    "DiagnosisPayload",
    "ErasurePayload",
    "GradePayload",
    "HandoverPayload",
    "MovePayload",
    "NoPayload",
    "NotDeliveredPayload",
    "PartUsed",
    "Payload",
    "PickupCollectedPayload",
    "PickupItem",
    "PickupRequestedPayload",
    "PickupScheduledPayload",
    "PickupUpdatedPayload",
    "ReasonPayload",
    "RepairPayload",
    "RequestLineChangedPayload",
    "RequestLinePayload",
    "RequestSubmittedPayload",
    "ReturnPayload",
    "ShipmentDeliveredPayload",
    "ShipmentPayload",
    "TransitionPayload",
]


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


# --- one payload per kind (their models: collecte.core.payloads) ---------------------------------

PAYLOADS: dict[EventKind, type[Payload]] = {
    EventKind.INTAKE: NoPayload,
    EventKind.TRANSITION: TransitionPayload,
    EventKind.DIAGNOSIS: DiagnosisPayload,
    EventKind.ERASURE: ErasurePayload,
    EventKind.STORAGE_ABSENT: NoPayload,
    EventKind.GRADE: GradePayload,
    EventKind.REPAIR: RepairPayload,
    EventKind.HOLD: ReasonPayload,
    EventKind.RELEASE: ReasonPayload,
    EventKind.MOVE: MovePayload,
    EventKind.LABEL_PRINTED: NoPayload,
    EventKind.PICKUP_REQUESTED: PickupRequestedPayload,
    EventKind.PICKUP_UPDATED: PickupUpdatedPayload,
    EventKind.PICKUP_SCHEDULED: PickupScheduledPayload,
    EventKind.PICKUP_COLLECTED: PickupCollectedPayload,
    EventKind.PICKUP_CANCELLED: ReasonPayload,
    EventKind.REQUEST_SUBMITTED: RequestSubmittedPayload,
    EventKind.REQUEST_APPROVED: DecisionPayload,
    EventKind.REQUEST_REJECTED: ReasonPayload,
    EventKind.REQUEST_CANCELLED: ReasonPayload,
    EventKind.REQUEST_CLOSED: NoPayload,
    EventKind.REQUEST_LINE_CHANGED: RequestLineChangedPayload,
    EventKind.ALLOCATED: AllocationPayload,
    EventKind.DEALLOCATED: ReasonPayload,
    EventKind.SHIPPED: AllocationPayload,
    EventKind.DELIVERED: AllocationPayload,
    EventKind.NOT_DELIVERED: NotDeliveredPayload,
    EventKind.RETURNED: ReturnPayload,
    EventKind.HANDED_OVER: HandoverPayload,
    EventKind.HANDOVER_UNDONE: ReasonPayload,
    EventKind.SHIPMENT_CREATED: ShipmentPayload,
    EventKind.SHIPMENT_DISPATCHED: ShipmentPayload,
    EventKind.SHIPMENT_DELIVERED: ShipmentDeliveredPayload,
}


# --- the table ------------------------------------------------------------------------------


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


class InvalidPayload(ValueError):
    """A payload that does not match its kind: a programming error, never user input."""


_UNNUMBERED = "collecte.unnumbered_events"
_TABLE = cast(Table, Event.__table__)


CommitHandler = Callable[[Session], None]
_before_numbering: list[CommitHandler] = []


def before_commit(handler: CommitHandler) -> CommitHandler:
    """Call the decorated function as each transaction that wrote events commits, before they
    are numbered (impact brings its counts up to date there, under locks held only that long)."""
    _before_numbering.append(handler)
    return handler


def number_events(session: Session) -> None:
    """Number the events this session recorded, in the order they were recorded: what its
    transaction does last before it commits (``_number_on_commit``; the tests' request
    transactions, savepoints, call it themselves). The ``before_commit`` handlers run first."""
    for handler in _before_numbering:
        handler(session)
    recorded: list[Event] = session.info.pop(_UNNUMBERED, [])
    if recorded:
        _take_numbers(session, recorded, more=0)


def _take_numbers(session: Session, recorded: Sequence[Event], *, more: int) -> int:
    """Number this transaction's events that have none, in the order written, and reserve
    ``more`` numbers after theirs; the first of those reserved."""
    session.flush()  # what is pending is written before the counter is locked
    # Set-based: the only events without a number this transaction can see are its own (another's
    # are invisible until it commits, numbered by then), in the order written (their ids, drawn
    # as they were written); those of a savepoint rolled back since are gone and take none.
    unnumbered = Event.seq.is_(None)
    count = session.scalar(select(func.count()).select_from(Event).where(unnumbered)) or 0
    if not count and not more:
        return 0
    statement = (
        update(EventSequence)
        .where(EventSequence.id == 1)
        .values(last=EventSequence.last + count + more)
        .returning(EventSequence.last)
    )
    first = int(session.execute(statement).scalar_one()) - count - more + 1
    if count:
        rank = func.row_number().over(order_by=Event.id) + (first - 1)
        ranked = select(Event.id, rank.label("seq")).where(unnumbered).subquery()
        table = _TABLE
        numbered = session.execute(
            update(table)
            .where(table.c.id == ranked.c.id)
            .values(seq=ranked.c.seq)
            .returning(table.c.id, table.c.seq)
        )
        by_id = {event.id: event for event in recorded}
        for event_id, seq in numbered:
            if event_id in by_id:
                set_committed_value(by_id[event_id], "seq", seq)
    return first + count


@sa_event.listens_for(Session, "before_commit")
def _number_on_commit(session: Session) -> None:
    # A savepoint released inside a request is not its commit: the numbers wait for the real one.
    if not session.in_nested_transaction():
        number_events(session)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    # Only when the transaction itself ends: "after_rollback" also follows the rollback of a
    # savepoint, and forgot the events written before it, which then committed without a number.
    if transaction.parent is None:
        session.info.pop(_UNNUMBERED, None)


class Links(TypedDict, total=False):
    """What a device's event belongs to in the partner flow (dimensions of ``record_event``)."""

    request_id: int
    shipment_id: int | None
    partner_id: int
    beneficiary_ref: str


Handler = Callable[[Session, Event], None]
_subscribers: dict[EventKind, list[Handler]] = {}


def subscribe(*kinds: EventKind) -> Callable[[Handler], Handler]:
    """Call the decorated function after each event of these kinds is written (same transaction)."""

    def register(handler: Handler) -> Handler:
        for kind in kinds:
            _subscribers.setdefault(kind, []).append(handler)
        return handler

    return register


@dataclass(frozen=True)
class EventDraft:
    """One event to append: ``record_event``'s arguments, for ``record_events``."""

    kind: EventKind
    subject: Subject
    actor_id: int | None
    payload: Payload | dict[str, Any] | None = None
    occurred_at: dt.datetime | None = None
    from_status: str | None = None
    to_status: str | None = None
    note: str = ""
    device_id: int | None = None
    pickup_id: int | None = None
    request_id: int | None = None
    shipment_id: int | None = None
    beneficiary_ref: str | None = None
    workshop_id: int | None = None
    site_id: int | None = None
    territory: str | None = None
    donor_id: int | None = None
    partner_id: int | None = None
    category: str | None = None
    weight_kg: float | None = None


def _checked(kind: EventKind, payload: Payload | dict[str, Any] | None) -> Payload:
    model = PAYLOADS[kind]
    if isinstance(payload, model):
        return payload
    try:
        return model.model_validate(
            payload.model_dump() if isinstance(payload, Payload) else payload or {}
        )
    except ValidationError as exc:
        raise InvalidPayload(f"payload of a {kind} event: {exc}") from exc


def record_events(
    session: Session, drafts: Sequence[EventDraft], *, numbered_now: bool = False
) -> list[Event]:
    """Append events in the order given, each payload checked against its kind (all of them
    before any is added) and its dimensions copied.

    ``numbered_now``, for a batch its transaction writes last (an allocation run's): the events
    are numbered as they are written, after those of the transaction still without a number.
    Numbered at the commit, each would be written a second time, every index of the log again
    (half a second for 10,000); the counter row is held from here to the commit, about as long as
    that second write would have held it.
    """
    payloads = [_checked(draft.kind, draft.payload) for draft in drafts]
    if not drafts:
        return []  # (an empty list of rows would insert one row of defaults)
    now = utcnow()
    rows = [
        {
            "kind": draft.kind,
            "subject": draft.subject,
            "device_id": draft.device_id,
            "pickup_id": draft.pickup_id,
            "request_id": draft.request_id,
            "shipment_id": draft.shipment_id,
            "beneficiary_ref": draft.beneficiary_ref,
            "from_status": str(draft.from_status) if draft.from_status is not None else None,
            "to_status": str(draft.to_status) if draft.to_status is not None else None,
            "actor_id": draft.actor_id,
            "workshop_id": draft.workshop_id,
            "site_id": draft.site_id,
            "territory": draft.territory,
            "donor_id": draft.donor_id,
            "partner_id": draft.partner_id,
            "category": str(draft.category) if draft.category is not None else None,
            "weight_kg": draft.weight_kg,
            "note": draft.note,
            "payload": payload.model_dump(mode="json", exclude_none=True),
            "occurred_at": draft.occurred_at or now,
            "recorded_at": now,
        }
        for draft, payload in zip(drafts, payloads, strict=True)
    ]
    # Written now, in the order given (their ids are the order ``number_events`` follows), one
    # prepared statement for every row, on the table (the ORM's bulk insert costs as much again) (a run binding 10,000 devices writes 10,000 events: asking
    # for their ids back would make one statement of thousands of parameters per thousand rows,
    # which the driver rewrites on the client at a cost three times the insert's). Then read back:
    # by their numbers, or as the newest without one (only this transaction's own have none).
    tracked: list[Event] = session.info.setdefault(_UNNUMBERED, [])
    if numbered_now:
        # The ones still without a number stay tracked: a savepoint rolled back would take
        # their numbers back, and the commit must give them again.
        first = _take_numbers(session, tracked, more=len(rows))
        for seq, row in enumerate(rows, start=first):
            row["seq"] = seq
        session.execute(insert(_TABLE), rows)
        these = Event.seq.between(first, first + len(rows) - 1)
        events = list(session.scalars(select(Event).where(these).order_by(Event.seq)))
    else:
        session.execute(insert(_TABLE), rows)
        newest = select(Event).where(Event.seq.is_(None)).order_by(Event.id.desc())
        events = list(session.scalars(newest.limit(len(rows))))[::-1]
        tracked.extend(events)
    for event in events:
        for handler in _subscribers.get(event.kind, ()):
            handler(session, event)
    return events


def record_event(
    session: Session,
    *,
    kind: EventKind,
    subject: Subject,
    actor_id: int | None,
    payload: Payload | dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str = "",
    device_id: int | None = None,
    pickup_id: int | None = None,
    request_id: int | None = None,
    shipment_id: int | None = None,
    beneficiary_ref: str | None = None,
    workshop_id: int | None = None,
    site_id: int | None = None,
    territory: str | None = None,
    donor_id: int | None = None,
    partner_id: int | None = None,
    category: str | None = None,
    weight_kg: float | None = None,
) -> Event:
    """Append one event, its payload checked against its kind and its dimensions copied."""
    draft = EventDraft(
        kind=kind,
        subject=subject,
        actor_id=actor_id,
        payload=payload,
        occurred_at=occurred_at,
        from_status=from_status,
        to_status=to_status,
        note=note,
        device_id=device_id,
        pickup_id=pickup_id,
        request_id=request_id,
        shipment_id=shipment_id,
        beneficiary_ref=beneficiary_ref,
        workshop_id=workshop_id,
        site_id=site_id,
        territory=territory,
        donor_id=donor_id,
        partner_id=partner_id,
        category=category,
        weight_kg=weight_kg,
    )
    return record_events(session, [draft])[0]
