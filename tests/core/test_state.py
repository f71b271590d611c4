"""The one state-machine helper: no other writer of a status column, real `allowed` lists, the
payload a target requires."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.core.errors import InvalidInput, InvalidTransition
from collecte.core.state import StatusWriteRefused
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.service import change_status, release_device
from collecte.pickups.lifecycle import PickupStatus
from collecte.pickups.models import Pickup
from collecte.pickups.schemas import PickupUpdate
from collecte.pickups.service import cancel_pickup, collect_pickup, update_pickup
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import book, schedule


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def test_a_status_column_has_no_other_writer(db: Session, workshop: Workshop) -> None:
    device = workshop.receive()
    with pytest.raises(StatusWriteRefused):
        device.status = DeviceStatus.AVAILABLE
    with pytest.raises(StatusWriteRefused):
        Device(status=DeviceStatus.AVAILABLE)  # a new row starts at the initial status only
    with pytest.raises(StatusWriteRefused):
        db.execute(update(Device).where(Device.id == device.id).values(status="available"))
    admin = make_user(db, role=Role.ADMIN)
    pickup = book(db, admin, donor_id=workshop.donor.id)
    with pytest.raises(StatusWriteRefused):
        pickup.status = PickupStatus.COLLECTED
    with pytest.raises(StatusWriteRefused):
        db.execute(update(Pickup).values(status="cancelled"))
    db.refresh(device)
    assert device.status is DeviceStatus.RECEIVED


def test_refusals_list_what_is_allowed_now(db: Session, workshop: Workshop) -> None:
    admin = make_user(db, role=Role.ADMIN)
    coordinator = make_user(db, role=Role.COORDINATOR, organization=workshop.organization)
    pickup = book(db, admin, donor_id=workshop.donor.id)
    schedule(db, pickup, coordinator, workshop.site)
    with pytest.raises(InvalidTransition) as edit:
        update_pickup(db, viewer=admin, pickup=pickup, update=PickupUpdate(city="Lyon"))
    assert edit.value.extra["allowed"] == ["scheduled", "collected", "cancelled"]
    cancel_pickup(db, viewer=admin, pickup=pickup, reason="no longer needed")
    with pytest.raises(InvalidTransition) as collect:
        collect_pickup(
            db, viewer=admin, pickup=pickup, weight_kg=3, released_by="A", received_by="B"
        )
    assert collect.value.extra["allowed"] == []  # cancelled is final
    device = workshop.receive()
    with pytest.raises(InvalidTransition) as release:
        release_device(db, device=device, actor=workshop.technician)
    assert release.value.extra["allowed"] == ["in_repair", "parts", "recycled", "lost"]


def test_an_exit_by_weight_records_it_whoever_calls(db: Session, workshop: Workshop) -> None:
    device = workshop.receive(weight_kg=None)
    with pytest.raises(InvalidInput, match="weight_kg"):
        change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.PARTS)
    assert device.status is DeviceStatus.RECEIVED
    event = change_status(
        db, device=device, actor=workshop.technician, to=DeviceStatus.PARTS, weight_kg=1.9
    )
    assert (event.weight_kg, event.payload) == (1.9, {"weight_kg": 1.9})
