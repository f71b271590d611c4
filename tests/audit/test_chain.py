"""The event log is hash-chained: what is altered, deleted or inserted behind the application's
back (raw SQL here) is found by ``verify``, at the first link it breaks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.core.chain import CONTENT, BrokenLink, head, link, verify
from collecte.core.events import (
    Event,
    EventDraft,
    EventKind,
    Subject,
    TransitionPayload,
    number_events,
    record_event,
    record_events,
)
from collecte.core.types import UTCDateTime
from collecte.pickups.models import Pickup
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import book

LONG_AGO = dt.datetime(2020, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
# Every column of an event but those of the chain itself: each must be covered by its link.
COLUMNS = [c.name for c in Event.__table__.columns if c.name not in {"id", "seq", "hash"}]


@pytest.fixture
def workshop(db: Session) -> Workshop:
    """A history written through the services: a pickup booked, two devices made available."""
    workshop = Workshop(db)
    book(db, make_user(db, role=Role.DONOR, organization=workshop.donor))
    for serial in ("SN-1", "SN-2"):
        workshop.make_available(workshop.receive(serial=serial))
    number_events(db)  # as the commit does
    return workshop


def _events(db: Session) -> list[Event]:
    return list(db.scalars(select(Event).order_by(Event.seq)))


def _execute(db: Session, sql: str, **params: Any) -> None:
    db.execute(text(sql), params)


def test_a_history_written_through_the_services_verifies(db: Session, workshop: Workshop) -> None:
    events = _events(db)
    result = verify(db)
    assert (result.ok, result.first_broken) == (True, None)
    assert result.checked == len(events) == events[-1].seq
    assert head(db) == (events[-1].seq, events[-1].hash) == (result.head_seq, result.head_hash)
    assert all(event.hash for event in events)


def test_a_batch_numbered_as_written_is_chained_as_read_back(
    db: Session, workshop: Workshop
) -> None:
    # The batch is hashed from the rows about to be written: an integer weight, an hour not in
    # UTC and a float in the payload must hash as the database gives them back.
    paris = dt.timezone(dt.timedelta(hours=1))
    drafts = [
        EventDraft(
            kind=EventKind.TRANSITION,
            subject=Subject.DEVICE,
            actor_id=None,
            payload=TransitionPayload(weight_kg=2),
            weight_kg=2,
            occurred_at=dt.datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=paris),
            note=f"lot {n} — été",
        )
        for n in range(3)
    ]
    record_event(db, kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None)
    batch = record_events(db, drafts, numbered_now=True)
    number_events(db)
    assert batch[-1].seq == head(db)[0]
    assert verify(db).ok


# A value each chained column is changed to on the last device event (made available).
def _changes(db: Session, workshop: Workshop) -> dict[str, Any]:
    pickup = db.scalars(select(Pickup.id)).first()
    return {
        "kind": "hold",
        "subject": "pickup",
        "device_id": None,
        "pickup_id": pickup,
        "request_id": 4242,
        "shipment_id": 4242,
        "beneficiary_ref": "FAM-9",
        "from_status": "received",
        "to_status": "recycled",
        "actor_id": None,
        "workshop_id": None,
        "site_id": None,
        "territory": "75",
        "donor_id": None,
        "partner_id": workshop.donor.id,
        "category": "phone",
        "weight_kg": 1.61,
        "note": "rewritten",
        "payload": '{"reason": "x"}',
        "occurred_at": LONG_AGO,
        "recorded_at": LONG_AGO,
    }


@pytest.mark.parametrize("column", COLUMNS)
def test_a_changed_column_breaks_its_link(db: Session, workshop: Workshop, column: str) -> None:
    target = db.scalars(select(Event).where(Event.device_id.is_not(None))).all()[-1]
    value = _changes(db, workshop)[column]
    assert getattr(target, column) != value
    change = text(f"UPDATE events SET {column} = :value WHERE seq = :seq")  # noqa: S608
    if column.endswith("_at"):
        change = change.bindparams(bindparam("value", type_=UTCDateTime()))
    db.execute(change, {"value": value, "seq": target.seq})
    assert verify(db).first_broken == BrokenLink(target.seq, "link", target.id)


def test_events_swapped_in_the_order_break_the_first_link(db: Session, workshop: Workshop) -> None:
    second = _events(db)[1]
    _execute(db, "UPDATE events SET seq = -1 WHERE seq = 2")
    _execute(db, "UPDATE events SET seq = 2 WHERE seq = 3")
    _execute(db, "UPDATE events SET seq = 3 WHERE seq = -1")
    assert verify(db).first_broken == BrokenLink(2, "link", _events(db)[1].id)
    assert _events(db)[2].id == second.id


def test_a_changed_hash_breaks_its_link(db: Session, workshop: Workshop) -> None:
    first, second = _events(db)[:2]
    _execute(db, "UPDATE events SET hash = :hash WHERE seq = :seq", hash=first.hash, seq=2)
    result = verify(db)
    assert result.first_broken == BrokenLink(2, "link", second.id)
    assert result.checked == 1


def test_a_deleted_event_leaves_a_missing_number(db: Session, workshop: Workshop) -> None:
    _execute(db, "DELETE FROM events WHERE seq = 3")
    result = verify(db)
    assert (result.ok, result.checked, result.first_broken) == (False, 2, BrokenLink(3, "missing"))


def test_a_truncated_tail_is_missing(db: Session, workshop: Workshop) -> None:
    last, _ = head(db)
    _execute(db, "DELETE FROM events WHERE seq = :seq", seq=last)
    assert verify(db).first_broken == BrokenLink(last, "missing")


def test_a_truncated_tail_with_the_counter_rewound_breaks_the_head(
    db: Session, workshop: Workshop
) -> None:
    last, _ = head(db)
    _execute(db, "DELETE FROM events WHERE seq = :seq", seq=last)
    _execute(db, "UPDATE event_sequence SET last = last - 1")
    assert verify(db).first_broken == BrokenLink(last - 1, "head")


def test_a_changed_head_is_found(db: Session, workshop: Workshop) -> None:
    last, _ = head(db)
    _execute(db, "UPDATE event_sequence SET head = :forged", forged="0" * 64)
    assert verify(db).first_broken == BrokenLink(last, "head")


_INSERT = (
    "INSERT INTO events (seq, kind, subject, note, payload, occurred_at, recorded_at, hash)"
    " VALUES (:seq, 'intake', 'device', 'slipped in', '{}', :at, :at, :hash)"
)


def _slip_in(db: Session, *, seq: int | None, hash_: str | None) -> int:
    db.execute(text(_INSERT).bindparams(bindparam("at", type_=UTCDateTime())), {
        "seq": seq, "at": LONG_AGO, "hash": hash_,
    })  # fmt: skip
    return int(db.scalars(select(Event.id).where(Event.note == "slipped in")).one())


def test_an_inserted_event_with_a_made_up_hash_breaks_its_link(
    db: Session, workshop: Workshop
) -> None:
    last, _ = head(db)
    event_id = _slip_in(db, seq=last + 1, hash_="f" * 64)
    assert verify(db).first_broken == BrokenLink(last + 1, "link", event_id)


def test_an_inserted_event_with_a_true_link_is_beyond_the_head(
    db: Session, workshop: Workshop
) -> None:
    # Who knows how links are made can chain an event, but not move the counter unseen.
    last, prev = head(db)
    values = dict.fromkeys(CONTENT) | {
        "seq": last + 1, "kind": "intake", "subject": "device", "note": "slipped in",
        "payload": {}, "occurred_at": LONG_AGO, "recorded_at": LONG_AGO,
    }  # fmt: skip
    _slip_in(db, seq=last + 1, hash_=link(prev, values))
    assert verify(db).first_broken == BrokenLink(last + 1, "beyond_head")


def test_an_inserted_event_without_a_number_is_found_and_not_chained_by_the_next_writer(
    db: Session, workshop: Workshop
) -> None:
    event_id = _slip_in(db, seq=None, hash_=None)
    assert verify(db).first_broken == BrokenLink(None, "unnumbered", event_id)
    record_event(db, kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None)
    number_events(db)  # the next commit numbers its own events only
    result = verify(db)
    assert result.first_broken == BrokenLink(None, "unnumbered", event_id)
    assert result.checked == head(db)[0]
