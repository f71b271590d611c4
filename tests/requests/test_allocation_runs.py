"""Allocation runs on a database: a device the rules refuse is left out rather than failing the
run, a run that finds nothing binds nothing, and many devices are bound at once."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from collecte.core.events import Event, EventKind
from collecte.core.types import utcnow
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import ErasureRecord
from collecte.requests import allocating
from collecte.requests.models import Allocation
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow


@pytest.fixture
def flow(db: Session) -> PartnerFlow:
    return PartnerFlow(Workshop(db))


def test_a_device_the_rules_refuse_is_left_out(flow: PartnerFlow, db: Session) -> None:
    unsafe, safe = flow.available(2)
    # Its medium's latest record is now a failed erasure: not cleared, so not to be allocated.
    db.add(
        ErasureRecord(
            device_id=unsafe.id,
            storage_serial=f"DISK-{unsafe.code}",
            method="PRNG Stream",
            nist_level="clear",
            tool="nwipe",
            result="failed",
            verified=False,
            recorded_at=utcnow(),
        )
    )
    flow.request([{"category": "laptop", "quantity": 2}])
    # The older device is the best fit; the rules refuse it, and the run takes the other.
    run = allocating.allocate_all(db, viewer=flow.coordinator)
    assert (run.allocated, run.unfilled, run.device_codes) == (1, 1, [safe.code])
    assert (unsafe.status, safe.status) == (DeviceStatus.AVAILABLE, DeviceStatus.ALLOCATED)


def test_a_run_that_finds_nothing_binds_nothing(flow: PartnerFlow, db: Session) -> None:
    flow.request([{"category": "desktop", "quantity": 3}])
    flow.available(1)  # a laptop: no line asks for it
    run = allocating.allocate_all(db, viewer=flow.coordinator)
    assert (run.requests, run.lines, run.allocated, run.unfilled) == (1, 1, 0, 3)
    assert db.scalar(select(func.count()).select_from(Allocation)) == 0


def test_many_devices_are_bound_at_once(flow: PartnerFlow, db: Session) -> None:
    flow.available(6)
    for _ in range(3):
        flow.request([{"category": "laptop", "quantity": 2}])
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", note)
    try:
        run = allocating.allocate_all(db, viewer=flow.coordinator)
    finally:
        event.remove(connection, "before_cursor_execute", note)
    assert (run.allocated, run.unfilled) == (6, 0)
    for writes in ("INSERT INTO allocations ", "UPDATE devices ", "INSERT INTO events "):
        assert sum(statement.startswith(writes) for statement in seen) == 1, writes
    allocated = select(func.count()).select_from(Event).where(Event.kind == EventKind.ALLOCATED)
    assert db.scalar(allocated) == 6
