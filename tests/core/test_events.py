"""The one event log: typed payloads, dimensions copied at write time, a gap-free order, pickups'
events, and subscribers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.events import (
    Event,
    EventKind,
    InvalidPayload,
    Subject,
    number_events,
    record_event,
)
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.service import change_status
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import book, collect, schedule


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def test_a_payload_that_does_not_fit_its_kind_is_refused(db: Session) -> None:
    with pytest.raises(InvalidPayload, match="hold"):
        record_event(
            db, kind=EventKind.HOLD, subject=Subject.DEVICE, actor_id=None, payload={"x": 1}
        )
    with pytest.raises(InvalidPayload):  # a required field missing
        record_event(db, kind=EventKind.MOVE, subject=Subject.DEVICE, actor_id=None, payload={})


def test_the_order_is_global_and_gap_free_even_after_a_rollback(db: Session) -> None:
    def write() -> Event:
        return record_event(db, kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None)

    first = write()
    number_events(db)  # as a commit does
    savepoint = db.begin_nested()
    write()
    savepoint.rollback()  # it never gets a number
    second = write()
    assert second.seq is None  # not before its transaction commits
    number_events(db)
    assert first.seq is not None
    assert second.seq == first.seq + 1


def test_an_event_written_before_a_savepoint_rolled_back_is_numbered(db: Session) -> None:
    number_events(db)
    kept = record_event(db, kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None)
    savepoint = db.begin_nested()
    record_event(db, kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None)
    savepoint.rollback()  # a refused action, say: what was written before it stands
    number_events(db)  # as the commit does
    assert kept.seq is not None
    assert db.scalar(select(func.count()).select_from(Event).where(Event.seq.is_(None))) == 0


def test_device_events_carry_their_dimensions(db: Session, workshop: Workshop) -> None:
    device = workshop.receive(weight_kg=2.25)
    change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.RECYCLED)
    events = db.scalars(
        select(Event).where(Event.device_id == device.id).order_by(*Event.log_order())
    )
    intake, exit_ = list(events)
    for event in (intake, exit_):
        assert event.subject is Subject.DEVICE
        assert event.workshop_id == workshop.organization.id
        assert event.site_id == workshop.site.id
        assert event.territory == workshop.site.territory == "93"
        assert event.donor_id == workshop.donor.id
        assert event.category == "laptop"
        assert event.actor_id == workshop.technician.id
    assert (intake.kind, intake.to_status) == (EventKind.INTAKE, "received")
    assert (exit_.kind, exit_.from_status, exit_.to_status) == (
        EventKind.TRANSITION,
        "received",
        "recycled",
    )
    assert exit_.weight_kg == 2.25
    assert exit_.payload == {"weight_kg": 2.25}
    assert exit_.occurred_at <= exit_.recorded_at


def test_pickups_request_schedule_collect_and_cancel_are_events(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    coordinator = make_user(db, role=Role.COORDINATOR, organization=workshop.organization)
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    pickup = book(db, donor)
    schedule(db, pickup, coordinator, workshop.site, vehicle="Kangoo 1")
    collect(db, pickup, workshop.technician)
    other = book(db, donor, postcode="92400")
    from collecte.pickups.service import cancel_pickup

    cancel_pickup(db, viewer=donor, pickup=other, reason="moved out")
    db.flush()
    history = client.get(
        f"/api/v1/pickups/{pickup.id}/events", headers=auth_headers(settings, coordinator)
    )
    assert history.status_code == 200, history.text
    steps = [(e["kind"], e["from_status"], e["to_status"]) for e in history.json()]
    assert steps == [
        ("pickup_requested", None, "requested"),
        ("pickup_scheduled", "requested", "scheduled"),
        ("pickup_collected", "scheduled", "collected"),
    ]
    scheduled, collected = history.json()[1:]
    assert scheduled["payload"]["vehicle"] == "Kangoo 1"
    assert collected["payload"]["weight_kg"] == 6.2
    rows = {
        e.kind: e
        for e in db.scalars(
            select(Event).where(Event.pickup_id == pickup.id, Event.subject == Subject.PICKUP)
        )
    }
    assert rows[EventKind.PICKUP_COLLECTED].weight_kg == 6.2
    assert rows[EventKind.PICKUP_COLLECTED].workshop_id == workshop.organization.id
    assert rows[EventKind.PICKUP_REQUESTED].territory == "92"
    assert rows[EventKind.PICKUP_REQUESTED].donor_id == workshop.donor.id
    cancelled = db.scalars(
        select(Event).where(Event.pickup_id == other.id).order_by(*Event.log_order())
    ).all()
    assert [(e.kind, e.payload) for e in cancelled][-1] == (
        EventKind.PICKUP_CANCELLED,
        {"reason": "moved out"},
    )
    # Another donor does not read the history.
    stranger = make_user(db, role=Role.DONOR)
    assert (
        client.get(
            f"/api/v1/pickups/{pickup.id}/events", headers=auth_headers(settings, stranger)
        ).status_code
        == 404
    )
