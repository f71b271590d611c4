"""Best fit (DESIGN, "Partners"): the pure rules of ``requests/allocation.py``, then the same rules
through the service and the API on a database: the least capable device that meets each line,
oldest approval first, never a device on hold, and the partner-flow statuses out of the generic
transition's reach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.core.errors import InvalidTransition
from collecte.devices.checklists import Category
from collecte.devices.grading import Grade
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.service import hold_device
from collecte.requests import allocating
from collecte.requests.allocation import Candidate, Need, allocate, capability, meets
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow

DAY = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def device(
    id: int,
    grade: Grade = Grade.B,
    ram: int | None = 8,
    storage: int | None = 256,
    days_in_stock: int = 10,
    category: str = "laptop",
) -> Candidate:
    return Candidate(id, category, grade, ram, storage, DAY - dt.timedelta(days=days_in_stock))


def need(line_id: int, quantity: int = 1, category: str = "laptop", **minimums: Any) -> Need:
    return Need(line_id=line_id, category=category, quantity=quantity, **minimums)


# --- the pure rules -------------------------------------------------------------------------


def test_meets_checks_category_grade_ram_and_storage() -> None:
    modest = device(1, Grade.C, ram=4, storage=128)
    assert meets(modest, need(1))
    assert not meets(modest, need(1, category="desktop"))
    assert not meets(modest, need(1, min_grade=Grade.B))
    assert meets(device(2, Grade.A), need(1, min_grade=Grade.B))  # A is better than B
    assert not meets(modest, need(1, min_ram_gb=8))
    assert not meets(modest, need(1, min_storage_gb=256))
    assert meets(modest, need(1, min_ram_gb=4, min_storage_gb=128))  # "at least" includes equal
    # An unknown size meets no minimum; grade X is never given to a partner.
    assert not meets(device(3, ram=None), need(1, min_ram_gb=1))
    assert not meets(device(4, Grade.X), need(1))


def test_capability_orders_by_grade_then_ram_then_storage_then_time_in_stock() -> None:
    shuffled = [
        device(1, Grade.A, ram=4, storage=64),
        device(2, Grade.C, ram=16, storage=1024),
        device(3, Grade.B, ram=8, storage=512),
        device(4, Grade.B, ram=8, storage=256, days_in_stock=5),
        device(5, Grade.B, ram=8, storage=256, days_in_stock=50),
        device(6, Grade.B, ram=4, storage=1024),
    ]
    assert [d.id for d in sorted(shuffled, key=capability)] == [2, 6, 5, 4, 3, 1]


def first_fit(needs: Sequence[Need], devices: Iterable[Candidate]) -> dict[int, list[int]]:
    """The plain alternative, oldest stock first whatever it is: the counter-example best fit is
    measured against (bench/allocation.py's floor is its SQL form)."""
    pool = sorted(devices, key=lambda d: d.in_stock_since)
    used: set[int] = set()
    chosen: dict[int, list[int]] = {}
    for need in needs:
        taken = chosen.setdefault(need.line_id, [])
        for device in pool:
            if len(taken) >= need.quantity:
                break
            if device.id not in used and meets(device, need):
                used.add(device.id)
                taken.append(device.id)
    return chosen


def test_best_fit_gives_each_line_the_least_capable_device_that_meets_it() -> None:
    stock = [device(1, Grade.A, ram=16), device(2, Grade.B, ram=8), device(3, Grade.C, ram=4)]
    assert allocate([need(10, min_ram_gb=8)], stock) == {10: [2]}
    assert allocate([need(10, min_grade=Grade.A)], stock) == {10: [1]}
    assert allocate([need(10, quantity=2)], stock) == {10: [3, 2]}


def test_first_fit_leaves_a_line_unfilled_where_best_fit_fills_every_line() -> None:
    # The oldest device is the only one with 16 GB; a modest line comes first.
    stock = [device(1, ram=16, days_in_stock=300), device(2, ram=8, days_in_stock=3)]
    lines = [need(10), need(11, min_ram_gb=16)]
    assert first_fit(lines, stock) == {10: [1], 11: []}
    assert allocate(lines, stock) == {10: [2], 11: [1]}


def test_lines_are_served_in_the_order_given() -> None:
    stock = [device(1)]
    assert allocate([need(10), need(11)], stock) == {10: [1], 11: []}
    assert allocate([need(11), need(10)], stock) == {11: [1], 10: []}


def test_a_device_is_given_once_whatever_the_lines() -> None:
    stock = [device(n, ram=8 * (n % 3 + 1)) for n in range(1, 9)]
    lines = [need(10 + n, quantity=3, min_ram_gb=8 * (n % 2)) for n in range(5)]
    given = [d for taken in allocate(lines, stock).values() for d in taken]
    assert sorted(given) == list(range(1, 9))


# --- through the service and the API, on a database --------------------------------------------


@pytest.fixture
def flow(db: Session) -> PartnerFlow:
    return PartnerFlow(Workshop(db))


GRADED = {Grade.A: ("F5", "C6"), Grade.B: ("F5", "C4"), Grade.C: ("F4", "C3")}


def stocked(flow: PartnerFlow, grade: Grade, ram: int, storage: int) -> Device:
    functional, cosmetic = GRADED[grade]
    (made,) = flow.available(
        functional=functional, cosmetic=cosmetic, specs={"ram_gb": ram, "storage_gb": storage}
    )
    assert made.grade is grade
    return made


def test_the_api_gives_each_line_the_least_capable_device_that_meets_it(
    flow: PartnerFlow, client: TestClient, settings: Settings
) -> None:
    # Received in this order: the first of two equal devices has been in stock longest.
    by_name = {
        "a_16_512": stocked(flow, Grade.A, 16, 512),
        "b_16_256_old": stocked(flow, Grade.B, 16, 256),
        "b_16_256_new": stocked(flow, Grade.B, 16, 256),
        "b_8_512": stocked(flow, Grade.B, 8, 512),
        "b_8_256": stocked(flow, Grade.B, 8, 256),
        "c_32_1024": stocked(flow, Grade.C, 32, 1024),
    }
    lines = [
        {"category": "laptop", "quantity": 1, "min_grade": "B"},  # b_8_256: lowest grade, RAM…
        {"category": "laptop", "quantity": 1, "min_grade": "B", "min_storage_gb": 512},  # b_8_512
        {"category": "laptop", "quantity": 1, "min_ram_gb": 16, "min_grade": "B"},  # the older
        {"category": "laptop", "quantity": 1},  # c_32_1024: grade C comes before any RAM
        {"category": "laptop", "quantity": 1, "min_grade": "A"},  # a_16_512
    ]
    request = flow.request(lines)
    response = client.post(
        f"/api/v1/requests/{request.id}/allocate", headers=auth_headers(settings, flow.coordinator)
    )
    assert response.status_code == 200, response.text
    assert response.json()["allocated"] == 5
    got = client.get(
        f"/api/v1/requests/{request.id}", headers=auth_headers(settings, flow.coordinator)
    ).json()
    codes = [line["device_codes"] for line in got["lines"]]
    expected = ["b_8_256", "b_8_512", "b_16_256_old", "c_32_1024", "a_16_512"]
    assert codes == [[by_name[name].code] for name in expected]
    assert by_name["b_16_256_new"].status is DeviceStatus.AVAILABLE


def test_allocate_all_serves_the_oldest_approval_first(
    flow: PartnerFlow, client: TestClient, settings: Settings
) -> None:
    (only,) = flow.available(1)
    first_filed = flow.request(approve=False)
    second_filed = flow.request(approve=False)
    # Approved in the other order than filed: approval, not filing, sets the queue.
    for request in (second_filed, first_filed):
        flow.approve(request)
    response = client.post(
        "/api/v1/requests/allocate", headers=auth_headers(settings, flow.coordinator)
    )
    assert response.status_code == 200, response.text
    assert response.json() | {"device_codes": None} == {
        "requests": 2,
        "lines": 2,
        "allocated": 1,
        "unfilled": 1,
        "device_codes": None,
    }
    queue = client.get("/api/v1/requests", headers=auth_headers(settings, flow.coordinator)).json()
    bound = {r["id"]: r["lines"][0]["device_codes"] for r in queue}
    assert bound == {second_filed.id: [only.code], first_filed.id: []}


def test_a_device_on_hold_is_never_allocated(flow: PartnerFlow, db: Session) -> None:
    held, free = flow.available(2)
    hold_device(db, device=held, actor=flow.workshop.technician, reason="suspected stolen")
    request = flow.request([{"category": "laptop", "quantity": 2}])
    run = allocating.allocate_all(db, viewer=flow.coordinator)
    assert (run.allocated, run.unfilled, run.device_codes) == (1, 1, [free.code])
    assert held.status is DeviceStatus.AVAILABLE
    # Scanned into the request by hand, it is refused all the same.
    with pytest.raises(InvalidTransition, match="on hold"):
        allocating.allocate_device(db, viewer=flow.coordinator, request=request, raw_code=held.code)
    assert held.status is DeviceStatus.AVAILABLE


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (DeviceStatus.AVAILABLE, DeviceStatus.ALLOCATED),
        (DeviceStatus.ALLOCATED, DeviceStatus.SHIPPED),
        (DeviceStatus.SHIPPED, DeviceStatus.DELIVERED),
        (DeviceStatus.DELIVERED, DeviceStatus.HANDED_OVER),
    ],
)
def test_the_generic_transition_refuses_the_partner_flow(
    flow: PartnerFlow,
    client: TestClient,
    settings: Settings,
    start: DeviceStatus,
    target: DeviceStatus,
) -> None:
    """From a status the table lets reach it, so that only the partner-flow rule refuses."""
    (made,) = flow.available(1, category=Category.LAPTOP)
    if start is not DeviceStatus.AVAILABLE:
        flow.take_to(made, start)
    response = client.post(
        f"/api/v1/devices/{made.code}/transition",
        json={"to": target.value},
        headers=auth_headers(settings, flow.workshop.technician),
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "partner_flow_only"
    assert made.status is start
