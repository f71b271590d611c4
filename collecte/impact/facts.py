"""What counts for impact, read from the event log: the one definition of every counter.

Each fact comes from one event of a device's history, with the dimensions that event recorded:

- ``collected``: its intake;
- ``refurbished``: the first time it became ``available``;
- ``redistributed``: its latest delivery to a partner, unless a return came after it (delivered
  twice, it counts once; returned and not delivered again, not at all);
- ``handed_over``: its latest hand-over, unless undone or followed by a return since; the
  beneficiary (partner, ``beneficiary_ref``) is on the fact, for people equipped;
- ``recycled`` and ``parts``: its exit (the weight recorded at exit, else the device's);
- ``integration``: each repair recorded by someone on an integration contract (its minutes).

A fact is dated by the local day (Europe/Paris) its event occurred. "After" is the order of the
device's events (their ids: a device's events are written under its row lock, so they are
numbered in the order they were written). ``derive`` is both the full recomputation and, for the
devices a transaction touched, the source of the incremental counts (``collecte.impact.keeping``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Row,
    Select,
    bindparam,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from collecte.core.events import Event, EventKind
from collecte.core.forms import LOCAL_ZONE

COLLECTED = "collected"
REFURBISHED = "refurbished"
REDISTRIBUTED = "redistributed"
HANDED_OVER = "handed_over"
RECYCLED = "recycled"
PARTS = "parts"
INTEGRATION = "integration"
FACTS = (COLLECTED, REFURBISHED, REDISTRIBUTED, HANDED_OVER, RECYCLED, PARTS, INTEGRATION)

# The events that can change a device's facts (``keeping`` looks again at a device after one).
KINDS_THAT_COUNT = frozenset(
    {
        EventKind.INTAKE,
        EventKind.REPAIR,
        EventKind.DELIVERED,
        EventKind.RETURNED,
        EventKind.HANDED_OVER,
        EventKind.HANDOVER_UNDONE,
    }
)
STATUSES_THAT_COUNT = frozenset({"available", RECYCLED, PARTS})

_CHUNK = 500  # device ids per statement (SQLite's bound parameters)


@dataclass(frozen=True)
class Fact:
    event_id: int
    device_id: int
    fact: str
    day: dt.date
    workshop_id: int
    donor_id: int
    partner_id: int
    site_id: int
    territory: str
    category: str
    weight_kg: float | None
    minutes: int
    beneficiary_ref: str | None


def counts(event: Event) -> bool:
    """Whether this event may change its device's facts."""
    return event.device_id is not None and (
        event.kind in KINDS_THAT_COUNT or (event.to_status or "") in STATUSES_THAT_COUNT
    )


def _later(kinds: Sequence[EventKind]) -> Select[int]:
    """Whether the device of ``Event`` has an event of these kinds after it (a correlated test)."""
    later = aliased(Event)
    return select(later.id).where(
        later.device_id == Event.device_id, later.kind.in_(kinds), later.id > Event.id
    )


def _queries(
    chunk: BindParameter[Any] | None,
) -> list[tuple[str | None, Select[Event]]]:
    """(fact, statement) pairs for the devices bound to ``chunk`` (all when None); a fact of None
    is named by the event's new status (exits)."""

    def of_devices(statement: Select[Event]) -> Select[Event]:
        if chunk is None:
            return statement.where(Event.device_id.is_not(None))
        return statement.where(Event.device_id.in_(chunk))

    def each_device(first: bool, *condition: ColumnElement[bool]) -> Select[int]:
        """Each device's first or last event meeting the condition (its id)."""
        pick = func.min(Event.id) if first else func.max(Event.id)
        statement = select(pick).where(*condition).group_by(Event.device_id)
        return statement if chunk is None else statement.where(Event.device_id.in_(chunk))

    delivered = each_device(False, Event.kind == EventKind.DELIVERED)
    handed = each_device(False, Event.kind == EventKind.HANDED_OVER)
    available = each_device(True, Event.to_status == "available")
    on_contract = Event.payload["integration_contract"].as_boolean().is_(True)
    undone = [EventKind.HANDOVER_UNDONE, EventKind.RETURNED]
    queries: list[tuple[str | None, Select[Event]]] = [
        (COLLECTED, select(Event).where(Event.kind == EventKind.INTAKE)),
        (REFURBISHED, select(Event).where(Event.id.in_(available))),
        (
            REDISTRIBUTED,
            select(Event).where(Event.id.in_(delivered), ~exists(_later([EventKind.RETURNED]))),
        ),
        (HANDED_OVER, select(Event).where(Event.id.in_(handed), ~exists(_later(undone)))),
        (None, select(Event).where(Event.to_status.in_([RECYCLED, PARTS]))),
        (INTEGRATION, select(Event).where(Event.kind == EventKind.REPAIR, on_contract)),
    ]
    return [(name, of_devices(query)) for name, query in queries]


# What a fact reads of its event (named columns: the migration that first derives the facts runs
# this code on a schema that may lack columns added to the log later).
_COLUMNS = (
    Event.id,
    Event.device_id,
    Event.to_status,
    Event.occurred_at,
    Event.workshop_id,
    Event.donor_id,
    Event.partner_id,
    Event.site_id,
    Event.territory,
    Event.category,
    Event.weight_kg,
    Event.beneficiary_ref,
    Event.payload,
)


def _fact(name: str, event: Row[Any]) -> Fact:
    minutes = int(event.payload.get("minutes", 0)) if name == INTEGRATION else 0
    return Fact(
        event_id=event.id,
        device_id=event.device_id or 0,  # (every query reads devices' events)
        fact=name,
        day=local_day(event.occurred_at),
        workshop_id=event.workshop_id or 0,
        donor_id=event.donor_id or 0,
        partner_id=event.partner_id or 0,
        site_id=event.site_id or 0,
        territory=event.territory or "",
        category=event.category or "",
        weight_kg=event.weight_kg,
        minutes=minutes,
        beneficiary_ref=event.beneficiary_ref if name == HANDED_OVER else None,
    )


def local_day(moment: dt.datetime) -> dt.date:
    """The day in France a moment falls on (what a period filter and a month count by)."""
    return moment.astimezone(LOCAL_ZONE).date()


def derive(session: Session, device_ids: Sequence[int] | None = None) -> Iterator[Fact]:
    """The facts of these devices (of every device when None), from their events as they are."""
    chunks: list[Sequence[int] | None] = (
        [device_ids[i : i + _CHUNK] for i in range(0, len(device_ids), _CHUNK)]
        if device_ids is not None
        else [None]
    )
    for chunk in chunks:
        if chunk is not None and not chunk:
            continue
        statement = _statement(chunk is not None)
        parameters = {"devices": list(chunk)} if chunk is not None else {}
        for event in session.execute(statement, parameters):
            yield _fact(str(event.fact), event)


@functools.cache
def _statement(of_some: bool) -> CompoundSelect[Any]:
    """Every fact in one statement (a device's refresh is one round trip), built once: for the
    devices bound to ``devices``, or for every device."""
    chunk: BindParameter[Any] | None = bindparam("devices", expanding=True) if of_some else None
    parts = [
        query.with_only_columns(
            *_COLUMNS, (literal(name) if name else Event.to_status).label("fact")
        )
        for name, query in _queries(chunk)
    ]
    statement = union_all(*parts)
    # Streamed (a server-side cursor) for the whole log only: a device's refresh reads a few rows
    # and the cursor would cost two more round trips.
    return statement if of_some else statement.execution_options(yield_per=5000)
