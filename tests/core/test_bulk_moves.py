"""The state machine's bulk move (``StateMachine.move_all``, through ``change_statuses``) and the
event log's bulk writer: the same checks as one move, nothing written when one is refused, one
statement for the statuses, the objects in step with the rows, a row changed meanwhile refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import pytest
from sqlalchemy import Table, event, func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from collecte.core.errors import InvalidInput, InvalidTransition
from collecte.core.events import (
    Event,
    EventDraft,
    EventKind,
    Subject,
    number_events,
    record_events,
)
from collecte.core.state import StatusWriteRefused
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.service import StatusChange, change_statuses
from tests.factories.devices import Workshop


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


@contextmanager
def statements(db: Session) -> Iterator[list[str]]:
    """The SQL statements the session's connection runs meanwhile."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)


def _events_of(db: Session, devices: list[Device]) -> list[Event]:
    ids = [d.id for d in devices]
    query = select(Event).where(Event.device_id.in_(ids), Event.kind != EventKind.INTAKE)
    return list(db.scalars(query.order_by(*Event.log_order())))


def test_many_devices_move_in_one_statement_with_their_events(
    db: Session, workshop: Workshop
) -> None:
    devices = [workshop.receive(serial=f"M-{n}") for n in range(5)]
    versions = [d.version for d in devices]
    with statements(db) as seen:
        written = change_statuses(
            db,
            actor=workshop.technician,
            changes=[StatusChange(d, DeviceStatus.LOST, note="not on the shelf") for d in devices],
        )
    assert sum(s.startswith("UPDATE devices") for s in seen) == 1
    assert sum(s.startswith("INSERT INTO events") for s in seen) == 1
    # The objects say what the rows say, and have nothing left to write.
    assert [d.status for d in devices] == [DeviceStatus.LOST] * 5
    assert [d.version for d in devices] == [v + 1 for v in versions]
    assert not db.dirty
    db.expire_all()
    assert {d.status for d in db.scalars(select(Device))} == {DeviceStatus.LOST}
    # One event per device, in the order given, with the move's note.
    assert [e.device_id for e in written] == [d.id for d in devices]
    assert _events_of(db, devices) == written
    assert {(e.from_status, e.to_status, e.note) for e in written} == {
        ("received", "lost", "not on the shelf")
    }


def test_one_refusal_moves_none(db: Session, workshop: Workshop) -> None:
    ready, unsafe = workshop.receive(serial="R-1"), workshop.receive(serial="U-1")
    for device in (ready, unsafe):
        workshop.diagnose(device)
        workshop.grade(device)
    workshop.wipe(ready)
    changes = [StatusChange(d, DeviceStatus.AVAILABLE) for d in (ready, unsafe)]
    with pytest.raises(InvalidTransition, match="data protection"):
        change_statuses(db, actor=workshop.technician, changes=changes)
    # A payload a target requires is checked for each device before anything is written too.
    weighed = [StatusChange(ready, DeviceStatus.PARTS, weight_kg=2.0)]
    weighed.append(StatusChange(workshop.receive(serial="W-1", weight_kg=None), DeviceStatus.PARTS))
    with pytest.raises(InvalidInput, match="weight_kg"):
        change_statuses(db, actor=workshop.technician, changes=weighed)
    db.expire_all()
    assert ready.status is unsafe.status is DeviceStatus.GRADED
    moved_to = {e.to_status for e in _events_of(db, [ready, unsafe])}
    assert moved_to == {"diagnosed", "graded", None}  # their records', none of the refused


def test_a_device_changed_meanwhile_fails_the_whole_move(db: Session, workshop: Workshop) -> None:
    first, second = workshop.receive(serial="C-1"), workshop.receive(serial="C-2")
    # Another transaction's write, as far as these objects know: the row's version moved on.
    db.execute(text("UPDATE devices SET version = version + 1 WHERE id = :id"), {"id": second.id})
    savepoint = db.begin_nested()
    with pytest.raises(StaleDataError):
        change_statuses(
            db,
            actor=workshop.technician,
            changes=[StatusChange(d, DeviceStatus.LOST) for d in (first, second)],
        )
    savepoint.rollback()
    statuses = db.execute(select(Device.status).where(Device.id.in_([first.id, second.id])))
    assert {status for (status,) in statuses} == {DeviceStatus.RECEIVED}


def test_a_device_moves_once_in_a_bulk_move(db: Session, workshop: Workshop) -> None:
    device = workshop.receive()
    with pytest.raises(ValueError, match="once"):
        change_statuses(
            db,
            actor=workshop.technician,
            changes=[StatusChange(device, DeviceStatus.LOST)] * 2,
        )


def test_only_the_machine_writes_statuses_in_bulk(db: Session, workshop: Workshop) -> None:
    device = workshop.receive()
    table = cast(Table, Device.__table__)
    with pytest.raises(StatusWriteRefused):  # a Core statement through the session as well
        db.execute(update(table).where(table.c.id == device.id).values(status="lost"))
    db.refresh(device)
    assert device.status is DeviceStatus.RECEIVED


def test_events_written_at_once_are_numbered_in_the_order_given(db: Session) -> None:
    assert record_events(db, []) == []
    drafts = [
        EventDraft(kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None, note=str(n))
        for n in range(4)
    ]
    written = record_events(db, drafts)
    assert [e.note for e in written] == ["0", "1", "2", "3"]
    assert all(e.seq is None for e in written)  # not before its transaction commits
    number_events(db)
    first = written[0].seq
    assert first is not None
    assert [e.seq for e in written] == list(range(first, first + 4))
    unnumbered = db.scalar(select(func.count()).select_from(Event).where(Event.seq.is_(None)))
    assert unnumbered == 0


def _draft(note: str) -> EventDraft:
    return EventDraft(kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None, note=note)


def _last_number(db: Session) -> int:
    return db.scalar(select(func.max(Event.seq))) or 0


def test_a_last_batch_is_numbered_as_written_after_the_events_before_it(db: Session) -> None:
    number_events(db)
    before = _last_number(db)
    (single,) = record_events(db, [_draft("first")])
    batch = record_events(db, [_draft("a"), _draft("b")], numbered_now=True)
    assert [single.seq, *(e.seq for e in batch)] == [before + 1, before + 2, before + 3]
    number_events(db)  # as the commit does: nothing left to number
    assert _last_number(db) == before + 3


def test_a_batch_rolled_back_gives_its_numbers_back(db: Session) -> None:
    number_events(db)
    before = _last_number(db)
    (single,) = record_events(db, [_draft("kept")])
    savepoint = db.begin_nested()
    record_events(db, [_draft("gone"), _draft("gone too")], numbered_now=True)
    savepoint.rollback()
    # The event written before the savepoint lost the number it took there; the commit gives it
    # the next one, and the log has no gap.
    db.expire(single, ["seq"])
    assert single.seq is None
    number_events(db)
    assert db.scalars(select(Event.seq).where(Event.seq > before)).all() == [before + 1]
