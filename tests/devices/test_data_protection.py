"""The two data-protection holes: a device found again keeps nothing of its history, and storage is
assumed wherever anything says so until a technician records its absence."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.core.errors import InvalidTransition
from collecte.devices.checklists import Category
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.rules import facts_select
from collecte.devices.service import change_status, record_storage_absent
from tests.devices.apihelpers import ERASURE, intake_device, technician_headers, to_graded
from tests.factories.devices import Workshop


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def test_a_device_found_again_starts_afresh(db: Session, workshop: Workshop) -> None:
    device = workshop.receive()
    workshop.make_available(device)
    change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.LOST)
    change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.RECEIVED)
    assert device.grade is None  # the old grade no longer stands
    # Its old diagnosis, erasure and grade do not count: each is needed again.
    for status in (DeviceStatus.DIAGNOSED, DeviceStatus.WIPED):
        with pytest.raises(InvalidTransition):
            change_status(db, device=device, actor=workshop.technician, to=status)
    workshop.diagnose(device)
    workshop.grade(device)
    with pytest.raises(InvalidTransition, match="data protection"):
        change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)
    workshop.wipe(device)
    change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)


@pytest.mark.parametrize(
    ("category", "specs"),
    [
        ("laptop", {"ram_gb": 8}),  # a category that always has storage
        ("monitor", {"storage_gb": 512}),  # storage specs
    ],
)
def test_storage_is_implied_whatever_the_declaration(
    client: TestClient,
    workshop: Workshop,
    settings: Settings,
    category: str,
    specs: dict[str, int],
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers, category=category, has_storage=False, specs=specs)["code"]
    to_graded(client, headers, code, category=category)
    refused = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
    )
    assert refused.status_code == 409, refused.text
    assert "data protection" in refused.json()["detail"]
    assert refused.json()["allowed"] == ["in_repair", "parts", "recycled", "lost"]
    # The erasure is accepted although the intake said "no storage".
    erased = client.post(f"/api/v1/devices/{code}/erasure", json=ERASURE, headers=headers)
    assert erased.status_code == 201, erased.text
    done = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
    )
    assert done.status_code == 200, done.text


def test_no_storage_is_an_explicit_record_undone_by_an_erasure(
    db: Session, workshop: Workshop
) -> None:
    device = workshop.receive(category=Category.DESKTOP, has_storage=False, specs={})
    workshop.diagnose(device)
    workshop.grade(device)
    with pytest.raises(InvalidTransition, match="data protection"):
        change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)
    record_storage_absent(db, device=device, actor=workshop.technician, note="no drive bay used")
    change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)


def test_an_erasure_after_no_storage_means_storage(db: Session, workshop: Workshop) -> None:
    device = workshop.receive(category=Category.DESKTOP, has_storage=False, specs={})
    workshop.diagnose(device)
    record_storage_absent(db, device=device, actor=workshop.technician)
    workshop.wipe(device, result="failed", verified=False)  # a drive was there after all
    workshop.grade(device)
    with pytest.raises(InvalidTransition, match="data protection"):
        change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)


def test_no_storage_through_the_api_is_an_event(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers, category="tablet", has_storage=False, specs={})["code"]
    recorded = client.post(
        f"/api/v1/devices/{code}/storage-absent", json={"note": "opened"}, headers=headers
    )
    assert recorded.status_code == 200, recorded.text
    events = client.get(f"/api/v1/devices/{code}/events", headers=headers).json()
    assert [(e["kind"], e["note"]) for e in events][-1] == ("storage_absent", "opened")
    to_graded(client, headers, code, category="tablet")
    available = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
    )
    assert available.status_code == 200, available.text


def test_the_facts_of_a_device_read_no_other_device() -> None:
    """Every subquery of the facts is correlated to the device it describes: none names the
    devices table in its own FROM (a cross join there once cost 20 ms a device on 100,000)."""
    sql = str(facts_select().where(Device.id == 1).compile())
    froms = re.findall(r"FROM (.*?)\s*(?:WHERE|\)|$)", sql, flags=re.DOTALL)
    assert [clause for clause in froms if re.search(r"\bdevices\b", clause)] == ["devices"], froms
