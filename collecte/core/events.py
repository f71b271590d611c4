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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, insert, inspect, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from collecte.core.chain import content, content_columns, next_link
from collecte.core.db import among
from collecte.core.event_models import Event, EventKind, EventSequence, Subject
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
from collecte.core.types import utcnow

# The payload models are imported from here by every domain (one place to import the log from).
__all__ = [
    "AllocationPayload",
    "DecisionPayload",
    "DiagnosisPayload",
    "ErasurePayload",
    "Event",
    "EventKind",
    "EventSequence",
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
    "Subject",
    "TransitionPayload",
]

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
        _take_numbers(session, recorded)


def _take_numbers(
    session: Session, recorded: Sequence[Event], batch: Sequence[dict[str, Any]] = ()
) -> None:
    """Number and chain (collecte.core.chain) this transaction's events that have none, in the
    order written, then the rows of ``batch``, which the caller writes next (their ``seq`` and
    ``hash`` set); the counter's head moves to the last link."""
    session.flush()  # what is pending is written before the counter is locked
    # Those recorded that still have no number, read back as the chain reads them; those of a
    # savepoint rolled back since are gone and take none (nor does an event someone slipped into
    # the table without a number: ``verify`` reports it rather than a writer chaining it).
    ids = [key[0] for event in recorded if (key := inspect(event).identity)]
    unnumbered = (
        session.execute(
            select(_TABLE.c.id, *content_columns())
            .where(_TABLE.c.seq.is_(None), among(_TABLE.c.id, ids))
            .order_by(_TABLE.c.id)
        ).all()
        if ids
        else []
    )
    if not unnumbered and not batch:
        return
    # Serialised before the counter is locked: holding it costs one sha256 per event.
    bodies = [content(row._mapping) for row in unnumbered] + [content(row) for row in batch]
    taken = len(bodies)
    statement = (
        update(EventSequence)
        .where(EventSequence.id == 1)
        .values(last=EventSequence.last + taken)
        .returning(EventSequence.last, EventSequence.head)
    )
    last, prev = session.execute(statement).one()
    links = []
    for seq, body in enumerate(bodies, start=int(last) - taken + 1):
        prev = next_link(prev, seq, body)
        links.append((seq, prev))
    numbered = [
        {"event_id": row.id, "number": seq, "link": link}
        for row, (seq, link) in zip(unnumbered, links, strict=False)
    ]
    if numbered:
        session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == bindparam("event_id"))
            .values(seq=bindparam("number"), hash=bindparam("link")),
            numbered,
        )
    for row, (seq, link) in zip(batch, links[len(unnumbered) :], strict=True):
        row["seq"], row["hash"] = seq, link
    session.execute(update(EventSequence).where(EventSequence.id == 1).values(head=prev))
    by_id = {key[0]: event for event in recorded if (key := inspect(event).identity)}
    for values in numbered:
        if (event := by_id.get(values["event_id"])) is not None:
            set_committed_value(event, "seq", values["number"])
            set_committed_value(event, "hash", values["link"])


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
        _take_numbers(session, tracked, rows)
        session.execute(insert(_TABLE), rows)
        these = Event.seq.between(rows[0]["seq"], rows[-1]["seq"])
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
