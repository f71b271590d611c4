"""The invariant through the API and the services: no device is available without a verified
erasure of every storage it has."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.devices.checklists import Category
from collecte.devices.lifecycle import DeviceStatus
from tests.devices.apihelpers import ERASURE, intake_device, technician_headers, to_graded
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow


def test_invariant_no_available_without_verified_erasure_through_the_api(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    failed = {**ERASURE, "result": "failed", "verified": False, "verification_method": ""}
    assert (
        client.post(f"/api/v1/devices/{code}/erasure", json=failed, headers=headers).status_code
        == 201
    )
    to_graded(client, headers, code)
    response = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
    )
    assert response.status_code == 409
    assert "data protection" in response.json()["detail"]
    assert "available" not in response.json()["allowed"]
    assert client.get(f"/api/v1/devices/{code}", headers=headers).json()["status"] == "graded"


def test_unverified_erasure_does_not_count(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    unverified = {**ERASURE, "verified": False}
    assert (
        client.post(f"/api/v1/devices/{code}/erasure", json=unverified, headers=headers).status_code
        == 201
    )
    assert client.get(f"/api/v1/devices/{code}", headers=headers).json()["status"] == "received"
    to_graded(client, headers, code)
    response = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
    )
    assert response.status_code == 409


def test_device_without_storage_needs_no_erasure(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(
        client, headers, category="monitor", has_storage=False, specs={"screen_in": 24}
    )["code"]
    assert (
        client.post(f"/api/v1/devices/{code}/erasure", json=ERASURE, headers=headers).status_code
        == 409
    )
    to_graded(client, headers, code, category="monitor")
    assert (
        client.post(
            f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
        ).status_code
        == 200
    )


def test_returned_device_needs_a_fresh_erasure(db: Session, workshop: Workshop) -> None:
    from collecte.core.errors import InvalidTransition
    from collecte.devices.service import change_status

    device = workshop.receive()
    workshop.make_available(device)
    PartnerFlow(workshop).take_to(device, DeviceStatus.RETURNED)
    workshop.diagnose(device)
    workshop.grade(device)
    with pytest.raises(InvalidTransition, match="data protection"):
        change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)
    # An erasure is recorded while the device is graded (no loop back through the workshop).
    workshop.wipe(device)
    assert device.status is DeviceStatus.GRADED
    change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)


def test_every_storage_of_a_device_must_be_verified(db: Session, workshop: Workshop) -> None:
    """Two drives: one verified erased and one failed is not a wiped device."""
    from collecte.core.errors import InvalidTransition
    from collecte.devices import records
    from collecte.devices.service import change_status, has_verified_erasure

    device = workshop.receive(category=Category.DESKTOP)
    common: dict[str, Any] = {
        "method": "Zero Fill",
        "nist_level": "clear",
        "tool": "nwipe",
        "verification_method": "Verify Last Pass",
    }
    records.record_erasure(
        db,
        device=device,
        actor=workshop.technician,
        storage_serial="SSD-1",
        result="erased",
        verified=True,
        advance=False,
        **common,
    )
    records.record_erasure(
        db,
        device=device,
        actor=workshop.technician,
        storage_serial="HDD-2",
        result="failed",
        verified=False,
        advance=False,
        **{**common, "verification_method": ""},
    )
    assert not has_verified_erasure(db, device)
    workshop.diagnose(device)
    workshop.grade(device)
    with pytest.raises(InvalidTransition, match="data protection"):
        change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)
    records.record_erasure(  # the second drive again, while the device is graded
        db,
        device=device,
        actor=workshop.technician,
        storage_serial="HDD-2",
        result="erased",
        verified=True,
        **common,
    )
    assert device.status is DeviceStatus.GRADED  # wiped lies behind it: it stays graded
    change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)


def test_the_latest_record_of_each_medium_counts(db: Session, workshop: Workshop) -> None:
    """A failed drive stays failed when another drive is erased after it; a later failure of a
    drive un-clears it."""
    from collecte.devices import records
    from collecte.devices.service import has_verified_erasure

    device = workshop.receive(category=Category.DESKTOP)
    common: dict[str, Any] = {"method": "Zero Fill", "nist_level": "clear", "tool": "nwipe"}

    def erase(serial: str, *, ok: bool) -> None:
        records.record_erasure(
            db,
            device=device,
            actor=workshop.technician,
            storage_serial=serial,
            result="erased" if ok else "failed",
            verified=ok,
            verification_method="Verify Last Pass" if ok else "",
            advance=False,
            **common,
        )

    erase("HDD-2", ok=False)
    erase("SSD-1", ok=True)
    assert not has_verified_erasure(db, device)  # HDD-2's failure still stands
    erase("HDD-2", ok=True)
    assert has_verified_erasure(db, device)
    erase("SSD-1", ok=False)
    assert not has_verified_erasure(db, device)  # the latest record of SSD-1 is a failure
