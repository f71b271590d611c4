"""POST /api/v1/scan: normalisation, actions in the same call, the two-second repeat rule."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.events import Event
from collecte.core.types import utcnow
from collecte.devices import codes, scanning
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Scan
from tests.factories.accounts import auth_headers, make_site, make_user
from tests.factories.devices import Workshop


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def test_scan_normalises_and_lists_allowed_actions(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    raw = f" {codes.format_code(device.code).lower()}\r\n".replace("0", "o")
    response = client.post(
        "/api/v1/scan", json={"code": raw}, headers=auth_headers(settings, workshop.technician)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["device"]["code"] == device.code
    assert body["device"]["status"] == "received"
    assert body["applied"] is None
    assert "to:in_repair" in body["allowed_actions"]
    assert "to:diagnosed" not in body["allowed_actions"]  # needs the checklist first
    assert "to:available" not in body["allowed_actions"]


def test_scan_of_a_qr_url_finds_the_device(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    url = f"https://collecte.example.org/devices/{device.code}"
    response = client.post(
        "/api/v1/scan", json={"code": url}, headers=auth_headers(settings, workshop.technician)
    )
    assert response.json()["device"]["code"] == device.code


def test_invalid_and_unknown_codes(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = auth_headers(settings, workshop.technician)
    code = codes.generate_code()
    wrong = code[:7] + ("0" if code[7] != "0" else "1")
    assert (
        client.post("/api/v1/scan", json={"code": wrong}, headers=headers).json()["error"]
        == "invalid_code"
    )
    assert client.post("/api/v1/scan", json={"code": "ABC"}, headers=headers).status_code == 422
    assert client.post("/api/v1/scan", json={"code": code}, headers=headers).status_code == 404


def test_action_applies_in_the_same_call(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    response = client.post(
        "/api/v1/scan",
        json={"code": device.code, "action": "to:in_repair", "note": "écran"},
        headers=auth_headers(settings, workshop.technician),
    )
    assert response.json()["applied"] == "to:in_repair"
    assert response.json()["device"]["status"] == "in_repair"


def test_invariant_holds_for_scan_actions(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    workshop.diagnose(device)
    workshop.grade(device)
    response = client.post(
        "/api/v1/scan",
        json={"code": device.code, "action": "to:available"},
        headers=auth_headers(settings, workshop.technician),
    )
    assert response.status_code == 409
    assert "data protection" in response.json()["detail"]
    assert device.status is DeviceStatus.GRADED


def test_same_code_and_action_within_two_seconds_counts_once(
    db: Session, workshop: Workshop
) -> None:
    device = workshop.receive()
    now = utcnow()
    first = scanning.scan_code(
        db, viewer=workshop.technician, raw_code=device.code, action="hold", reason="pile", now=now
    )
    again = scanning.scan_code(
        db,
        viewer=workshop.technician,
        raw_code=device.code,
        action="hold",
        reason="pile",
        now=now + dt.timedelta(seconds=1.5),
    )
    assert (first.applied, first.duplicate) == ("hold", False)
    assert (again.applied, again.duplicate) == (None, True)
    holds = db.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.device_id == device.id, Event.kind == "hold")
    )
    assert holds == 1
    # Another action is not a repeat; the same action later is a new scan.
    other = scanning.scan_code(
        db,
        viewer=workshop.technician,
        raw_code=device.code,
        action="release",
        now=now + dt.timedelta(seconds=1.6),
    )
    assert other.duplicate is False
    later = scanning.scan_code(
        db,
        viewer=workshop.technician,
        raw_code=device.code,
        action="hold",
        reason="pile",
        now=now + dt.timedelta(seconds=2.5),
    )
    assert later.duplicate is False
    assert db.scalar(select(func.count()).select_from(Scan).where(Scan.device_id == device.id)) == 4


def test_move_action_needs_a_site(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    headers = auth_headers(settings, workshop.technician)
    assert (
        client.post(
            "/api/v1/scan", json={"code": device.code, "action": "move"}, headers=headers
        ).status_code
        == 422
    )
    second = make_site(db, organization=workshop.organization)
    moved = client.post(
        "/api/v1/scan",
        json={"code": device.code, "action": "move", "site_id": second.id},
        headers=headers,
    )
    assert moved.json()["device"]["site_id"] == second.id
    unknown = client.post(
        "/api/v1/scan", json={"code": device.code, "action": "teleport"}, headers=headers
    )
    assert unknown.status_code == 422


@pytest.mark.parametrize("role", [Role.DONOR, Role.PARTNER, Role.AUDITOR])
def test_scan_station_is_for_workshop_staff(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings, role: Role
) -> None:
    device = workshop.receive()
    user = make_user(db, role=role, organization=workshop.donor if role is Role.DONOR else None)
    response = client.post(
        "/api/v1/scan", json={"code": device.code}, headers=auth_headers(settings, user)
    )
    assert response.status_code == 403


def test_other_workshop_cannot_scan_our_devices(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    stranger = make_user(db, role=Role.TECHNICIAN)
    response = client.post(
        "/api/v1/scan",
        json={"code": device.code, "action": "hold", "reason": "x"},
        headers=auth_headers(settings, stranger),
    )
    assert response.status_code == 404
    assert device.hold_reason is None
