"""Concurrent allocations over scarce stock, through two app workers on a committed database: each
answer is applied (200) or refused (409), never a 500; no device is bound twice, none is lost, no
line gets more devices than it asks for, and the event log agrees with the bindings."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from collecte.auth.models import Role
from collecte.core.db import session_scope
from collecte.core.events import Event, EventKind
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.requests.models import Allocation, RequestLine
from tests.concurrency.conftest import Deployment, Send, describe, status_counts
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow

log = logging.getLogger(__name__)

STOCK = 16
REQUESTS = 24  # each asks for one or two laptops: about twice the stock
RUNS_OF_ALL = 6  # "allocate all" runs racing the per-request ones


def _seed(deployment: Deployment) -> tuple[list[int], dict[str, str], dict[str, str]]:
    """A workshop's stock and approved requests, committed; the coordinator's and the operator's
    headers."""
    with session_scope(deployment.sessions) as session:
        flow = PartnerFlow(Workshop(session))
        flow.available(STOCK)
        requests = [
            flow.request([{"category": "laptop", "quantity": 1 + n % 2}]) for n in range(REQUESTS)
        ]
        admin = make_user(session, role=Role.ADMIN)
        return (
            [r.id for r in requests],
            auth_headers(deployment.settings, flow.coordinator),
            auth_headers(deployment.settings, admin),
        )


def _allocate(path: str, headers: dict[str, str]) -> Send:
    return lambda client: client.post(path, headers=headers)


def test_concurrent_allocations_bind_each_device_once(deployment: Deployment) -> None:
    request_ids, coordinator, admin = _seed(deployment)
    sends = [_allocate(f"/api/v1/requests/{i}/allocate", coordinator) for i in request_ids]
    for n in range(RUNS_OF_ALL):
        sends.insert(n * 4, _allocate("/api/v1/requests/allocate", admin if n % 2 else coordinator))

    answers = deployment.concurrently(sends)

    counts = status_counts(answers)
    assert set(counts) <= {200, 409}, describe(answers)
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json()["code"] == "changed_meanwhile", refused.text
    allocated_by_answers = sum(a.json()["allocated"] for a in answers if a.status_code == 200)
    with session_scope(deployment.sessions) as session:
        active = Allocation.ended_at.is_(None)
        twice = session.execute(
            select(Allocation.device_id)
            .where(active)
            .group_by(Allocation.device_id)
            .having(func.count() > 1)
        ).all()
        assert twice == []
        bindings = session.scalar(select(func.count()).select_from(Allocation).where(active))
        statuses = dict(
            session.execute(select(Device.status, func.count()).group_by(Device.status)).all()
        )
        over_filled = session.execute(
            select(RequestLine.id)
            .join(Allocation, (Allocation.line_id == RequestLine.id) & active)
            .group_by(RequestLine.id, RequestLine.quantity)
            .having(func.count() > RequestLine.quantity)
        ).all()
        allocated_events = session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == EventKind.ALLOCATED)
        )
    assert statuses.get(DeviceStatus.ALLOCATED, 0) == bindings == allocated_by_answers
    assert statuses.get(DeviceStatus.AVAILABLE, 0) + bindings == STOCK  # none lost
    assert set(statuses) <= {DeviceStatus.AVAILABLE, DeviceStatus.ALLOCATED}
    assert over_filled == []
    assert allocated_events == bindings
    # Demand is about twice the stock: the runs between them leave nothing on the shelf.
    assert bindings == STOCK, (counts, statuses)
    # The figures, for whoever runs this with --log-cli-level=INFO.
    log.info(
        "%s concurrent runs over %s devices: %s, %s bound", len(sends), STOCK, counts, bindings
    )
