"""Devices through the JSON API: the lifecycle, its records, holds and the event log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.core.events import Event
from collecte.devices.checklists import Category
from collecte.devices.lifecycle import DeviceStatus
from tests.devices.apihelpers import ERASURE, intake_device, technician_headers, to_graded
from tests.factories.devices import Workshop, passing_checks


def test_illegal_transition_is_409_with_the_allowed_statuses(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    response = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "shipped"}, headers=headers
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "invalid_transition"
    assert body["allowed"] == ["diagnosed", "wiped", "in_repair", "parts", "recycled", "lost"]


def test_intake_to_available_with_every_record(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    to_graded(client, headers, code)
    # Graded first, the workshop knows it is worth reusing: the erasure is recorded in place.
    erased = client.post(f"/api/v1/devices/{code}/erasure", json=ERASURE, headers=headers)
    assert erased.status_code == 201, erased.text
    assert client.get(f"/api/v1/devices/{code}", headers=headers).json()["status"] == "graded"
    # A repair sends it back through the workshop: erase, re-diagnose, re-grade.
    assert (
        client.post(
            f"/api/v1/devices/{code}/transition", json={"to": "in_repair"}, headers=headers
        ).status_code
        == 200
    )
    repair = client.post(
        f"/api/v1/devices/{code}/repairs",
        json={
            "description": "Clavier remplacé",
            "parts": [{"name": "clavier AZERTY", "quantity": 1}],
            "minutes": 25,
        },
        headers=headers,
    )
    assert repair.status_code == 201
    assert (
        client.post(f"/api/v1/devices/{code}/erasure", json=ERASURE, headers=headers).status_code
        == 201
    )
    assert client.get(f"/api/v1/devices/{code}", headers=headers).json()["status"] == "wiped"
    to_graded(client, headers, code)
    available = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
    )
    assert available.status_code == 200, available.text
    assert available.json()["status"] == "available"
    kinds = [
        e["kind"] for e in client.get(f"/api/v1/devices/{code}/events", headers=headers).json()
    ]
    assert kinds == [
        "intake",
        "diagnosis",
        "grade",
        "erasure",
        "transition",
        "repair",
        "erasure",
        "transition",
        "diagnosis",
        "grade",
        "transition",
    ]
    found = client.get(f"/api/v1/devices/{code}/records", headers=headers).json()
    assert [len(found[k]) for k in ("diagnoses", "erasures", "grades", "repairs")] == [2, 2, 2, 1]
    assert found["erasures"][0]["storage_serial"] == "S3Z9NB0K123456"


def test_grade_x_cannot_be_made_available(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers, category="monitor", has_storage=False, specs={})["code"]

    client.post(
        f"/api/v1/devices/{code}/diagnosis",
        json={"result": "fail", "checks": passing_checks(Category.MONITOR)},
        headers=headers,
    )
    graded = client.post(
        f"/api/v1/devices/{code}/grade",
        json={"functional": "F3", "cosmetic": "C8"},
        headers=headers,
    )
    assert graded.json()["grade"] == "X"
    refused = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
    )
    assert refused.status_code == 409
    assert "not distributable" in refused.json()["detail"]
    recycled = client.post(
        f"/api/v1/devices/{code}/transition",
        json={"to": "recycled", "weight_kg": 4.2},
        headers=headers,
    )
    assert recycled.status_code == 200
    last = client.get(f"/api/v1/devices/{code}/events", headers=headers).json()[-1]
    assert last["to_status"] == "recycled"
    assert last["payload"] == {"weight_kg": 4.2}


def test_exit_needs_a_weight(client: TestClient, workshop: Workshop, settings: Settings) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers, weight_kg=None)["code"]
    response = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "parts"}, headers=headers
    )
    assert response.status_code == 422
    assert "weight_kg" in response.json()["detail"]


def test_diagnosis_checklist_errors_are_all_reported(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    response = client.post(
        f"/api/v1/devices/{code}/diagnosis",
        json={"result": "pass", "checks": {"boots": "perhaps", "warp_drive": True}},
        headers=headers,
    )
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert any("warp_drive" in p for p in problems)
    assert any("battery_health" in p for p in problems)
    assert client.get(f"/api/v1/devices/{code}", headers=headers).json()["status"] == "received"


def test_plain_transition_cannot_skip_the_records(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    response = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "diagnosed"}, headers=headers
    )
    assert response.status_code == 409
    assert "checklist" in response.json()["detail"]
    wiped = client.post(f"/api/v1/devices/{code}/transition", json={"to": "wiped"}, headers=headers)
    assert wiped.status_code == 409


def test_hold_blocks_distribution_and_release_lifts_it(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    device = workshop.receive()
    workshop.diagnose(device)
    workshop.wipe(device)
    workshop.grade(device)
    held = client.post(
        f"/api/v1/devices/{device.code}/hold",
        json={"reason": "en attente d'une batterie"},
        headers=headers,
    )
    assert held.json()["hold_reason"] == "en attente d'une batterie"
    assert held.json()["status"] == "graded"
    refused = client.post(
        f"/api/v1/devices/{device.code}/transition", json={"to": "available"}, headers=headers
    )
    assert refused.status_code == 409
    assert "on hold" in refused.json()["detail"]
    client.post(f"/api/v1/devices/{device.code}/release", headers=headers)
    assert (
        client.post(
            f"/api/v1/devices/{device.code}/transition", json={"to": "available"}, headers=headers
        ).status_code
        == 200
    )


def test_every_status_change_appends_one_event(db: Session, workshop: Workshop) -> None:
    device = workshop.receive()
    workshop.make_available(device)
    changes = db.scalars(
        select(Event)
        .where(Event.device_id == device.id, Event.to_status.is_not(None))
        .order_by(*Event.log_order())
    ).all()
    assert [(e.from_status, e.to_status) for e in changes] == [
        (None, DeviceStatus.RECEIVED),
        (DeviceStatus.RECEIVED, DeviceStatus.DIAGNOSED),
        (DeviceStatus.DIAGNOSED, DeviceStatus.WIPED),
        (DeviceStatus.WIPED, DeviceStatus.GRADED),
        (DeviceStatus.GRADED, DeviceStatus.AVAILABLE),
    ]
