"""The allocation preview: ``plan_allocation`` computes what a run binds, and binds nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.core.events import Event
from collecte.devices.lifecycle import DeviceStatus
from collecte.requests import allocating
from tests.factories.partners import PartnerFlow


def _events(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Event)) or 0


def test_the_plan_is_what_the_run_then_binds(db: Session, flow: PartnerFlow) -> None:
    modest = flow.available(2, functional="F4", cosmetic="C3")  # grade C
    better = flow.available(2, functional="F5", cosmetic="C4")  # grade B
    older = flow.request([{"category": "laptop", "quantity": 3}])
    demanding = flow.request([{"category": "laptop", "quantity": 2, "min_grade": "B"}])
    before = _events(db)

    planned = allocating.preview_all(db, viewer=flow.coordinator)
    assert _events(db) == before
    assert all(d.status is DeviceStatus.AVAILABLE for d in [*modest, *better])
    # the older request is served first: both C, then one B; the demanding one gets the last B
    by_line = {item.line.id: (set(item.device_ids), item.unfilled) for item in planned}
    assert by_line[older.lines[0].id][1] == 0
    assert by_line[demanding.lines[0].id][1] == 1
    assert {d.id for d in modest} <= by_line[older.lines[0].id][0]

    run = allocating.allocate_all(db, viewer=flow.coordinator)
    planned_ids = {i for ids, _ in by_line.values() for i in ids}
    assert {d.id for d in [*modest, *better] if d.code in run.device_codes} == planned_ids
    assert (run.allocated, run.unfilled) == (4, 1)
