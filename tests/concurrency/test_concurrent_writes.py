"""Concurrent writes on devices: each is applied (200) or refused as changed meanwhile (409),
never a 500, and the event log agrees with the devices' final state."""

from __future__ import annotations

from sqlalchemy import select

from collecte.core.db import session_scope
from collecte.core.events import Event, EventKind
from collecte.devices.models import Device
from tests.concurrency.conftest import Deployment, Send, describe, status_counts
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop

WRITERS = 12


def _received(deployment: Deployment, count: int) -> tuple[dict[str, str], list[str]]:
    """A workshop and ``count`` devices received, committed; its technician's headers."""
    with session_scope(deployment.sessions) as session:
        workshop = Workshop(session)
        codes = [workshop.receive(serial=f"SN-{n}").code for n in range(count)]
        headers = auth_headers(deployment.settings, workshop.technician)
    return headers, codes


def _hold(code: str, reason: str, headers: dict[str, str]) -> Send:
    return lambda client: client.post(
        f"/api/v1/devices/{code}/hold", json={"reason": reason}, headers=headers
    )


def _release(code: str, headers: dict[str, str]) -> Send:
    return lambda client: client.post(f"/api/v1/devices/{code}/release", headers=headers)


def _events(deployment: Deployment, code: str, kind: EventKind) -> list[Event]:
    with session_scope(deployment.sessions) as session:
        return list(
            session.scalars(
                select(Event)
                .join(Device, Device.id == Event.device_id)
                .where(Device.code == code, Event.kind == kind)
                .order_by(Event.seq)
            )
        )


def _hold_reason(deployment: Deployment, code: str) -> str | None:
    with session_scope(deployment.sessions) as session:
        return session.scalars(select(Device.hold_reason).where(Device.code == code)).one()


def test_concurrent_holds_then_releases_on_one_device(deployment: Deployment) -> None:
    headers, (code,) = _received(deployment, 1)

    holds = deployment.concurrently([_hold(code, f"reason {n}", headers) for n in range(WRITERS)])
    assert set(status_counts(holds)) <= {200, 409}, describe(holds)
    applied = [r for r in holds if r.status_code == 200]
    assert applied
    for refused in (r for r in holds if r.status_code == 409):
        assert refused.json()["code"] == "changed_meanwhile", refused.text
    events = _events(deployment, code, EventKind.HOLD)
    assert len(events) == len(applied)
    assert _hold_reason(deployment, code) == events[-1].note

    releases = deployment.concurrently([_release(code, headers) for _ in range(WRITERS)])
    assert set(status_counts(releases)) <= {200, 409}, describe(releases)
    # Only one release can lift the hold; the others find it lifted or changed meanwhile.
    assert status_counts(releases).get(200) == 1
    assert len(_events(deployment, code, EventKind.RELEASE)) == 1
    assert _hold_reason(deployment, code) is None


def test_concurrent_holds_then_releases_on_many_devices(deployment: Deployment) -> None:
    headers, codes = _received(deployment, WRITERS)

    holds = deployment.concurrently([_hold(code, f"reason {code}", headers) for code in codes])
    # Different devices do not conflict: every hold is applied.
    assert status_counts(holds) == {200: WRITERS}, describe(holds)
    for code in codes:
        (event,) = _events(deployment, code, EventKind.HOLD)
        assert _hold_reason(deployment, code) == event.note == f"reason {code}"

    releases = deployment.concurrently([_release(code, headers) for code in codes])
    assert status_counts(releases) == {200: WRITERS}, describe(releases)
    for code in codes:
        assert len(_events(deployment, code, EventKind.RELEASE)) == 1
        assert _hold_reason(deployment, code) is None
    # Writers took turns on the log's counter: its numbers have no gaps.
    with session_scope(deployment.sessions) as session:
        numbers = list(session.scalars(select(Event.seq).order_by(Event.seq)))
    first = numbers[0]
    assert first is not None  # every committed event has its number
    assert numbers == list(range(first, first + len(numbers)))
