"""Devices through the JSON API: intake, scoping, lifecycle, records and the invariant."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.devices import codes
from collecte.devices.checklists import Category
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import DeviceEvent
from collecte.orgs.models import OrgKind
from tests.factories.accounts import auth_headers, make_organization, make_site, make_user
from tests.factories.devices import Workshop, passing_checks


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def _headers(settings: Settings, workshop: Workshop) -> dict[str, str]:
    return auth_headers(settings, workshop.technician)


def _intake(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {
        "category": "laptop",
        "brand": "Dell",
        "model": "Latitude 5490",
        "serial": "CN-0XYZ",
        "has_storage": True,
        "weight_kg": 1.7,
        "specs": {"ram_gb": 8, "storage_gb": 256, "cpu": "i5-8350U", "screen_in": 14},
        **extra,
    }
    response = client.post("/api/v1/devices", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_intake_gives_a_valid_code_and_the_received_status(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    device = _intake(
        client, _headers(settings, workshop), site_id=workshop.site.id, donor_id=workshop.donor.id
    )
    assert codes.is_valid(device["code"])
    assert device["status"] == "received"
    assert device["site_id"] == workshop.site.id
    assert device["ram_gb"] == 8
    events = client.get(
        f"/api/v1/devices/{device['code']}/events", headers=_headers(settings, workshop)
    ).json()
    assert [(e["kind"], e["to_status"], e["actor_id"]) for e in events] == [
        ("intake", "received", workshop.technician.id)
    ]


def test_intake_defaults_to_the_workshops_only_site(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    assert _intake(client, _headers(settings, workshop))["site_id"] == workshop.site.id


def test_intake_at_another_workshops_site_is_refused(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    other_site = make_site(db, organization=make_organization(db, kind=OrgKind.WORKSHOP))
    response = client.post(
        "/api/v1/devices",
        json={
            "category": "laptop",
            "brand": "HP",
            "model": "x",
            "has_storage": True,
            "site_id": other_site.id,
        },
        headers=_headers(settings, workshop),
    )
    assert response.status_code == 422
    assert "not one of your workshop" in response.json()["detail"]


@pytest.mark.parametrize("role", [Role.DONOR, Role.PARTNER, Role.AUDITOR])
def test_only_workshop_staff_receive_devices(
    client: TestClient, db: Session, settings: Settings, role: Role
) -> None:
    user = make_user(db, role=role)
    response = client.post(
        "/api/v1/devices",
        json={"category": "laptop", "brand": "HP", "model": "x", "has_storage": True},
        headers=auth_headers(settings, user),
    )
    assert response.status_code == 403


def test_scanner_text_is_normalised_and_bad_check_is_422_unknown_is_404(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = _headers(settings, workshop)
    code = _intake(client, headers)["code"]
    sloppy = f"{code[:4].lower()}-{code[4:].lower()}"
    assert client.get(f"/api/v1/devices/{sloppy}", headers=headers).json()["code"] == code
    wrong_check = code[:7] + next(
        c for c in codes.ALPHABET if c != code[7] and not codes.is_valid(code[:7] + c)
    )
    invalid = client.get(f"/api/v1/devices/{wrong_check}", headers=headers)
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "invalid_code"
    unknown = codes.generate_code()
    missing = client.get(f"/api/v1/devices/{unknown}", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


def test_illegal_transition_is_409_with_the_allowed_statuses(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = _headers(settings, workshop)
    code = _intake(client, headers)["code"]
    response = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "shipped"}, headers=headers
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "invalid_transition"
    assert body["allowed"] == ["diagnosed", "wiped", "in_repair", "parts", "recycled", "lost"]


def _to_graded(
    client: TestClient, headers: dict[str, str], code: str, category: str = "laptop"
) -> None:

    diag = client.post(
        f"/api/v1/devices/{code}/diagnosis",
        json={"result": "pass", "checks": passing_checks(Category(category)), "notes": "RAS"},
        headers=headers,
    )
    assert diag.status_code == 201, diag.text
    assert diag.json()["status"] == "diagnosed"
    graded = client.post(
        f"/api/v1/devices/{code}/grade",
        json={"functional": "F5", "cosmetic": "C7"},
        headers=headers,
    )
    assert graded.status_code == 201, graded.text
    assert graded.json() == {"grade": "A", "status": "graded", "code": code}


ERASURE = {
    "storage_serial": "S3Z9NB0K123456",
    "storage_make": "Samsung",
    "storage_model": "PM981 256GB",
    "method": "PRNG Stream",
    "nist_level": "clear",
    "tool": "nwipe",
    "tool_version": "0.35",
    "result": "erased",
    "verified": True,
    "verification_method": "Verify Last Pass",
}


def test_intake_to_available_with_every_record(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = _headers(settings, workshop)
    code = _intake(client, headers)["code"]
    _to_graded(client, headers, code)
    erased = client.post(f"/api/v1/devices/{code}/erasure", json=ERASURE, headers=headers)
    assert erased.status_code == 409  # graded -> wiped is not a step: erase before grading
    # Start again properly: to repair, erase, re-diagnose, re-grade.
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
    _to_graded(client, headers, code)
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
        "transition",
        "repair",
        "erasure",
        "transition",
        "diagnosis",
        "grade",
        "transition",
    ]
    found = client.get(f"/api/v1/devices/{code}/records", headers=headers).json()
    assert [len(found[k]) for k in ("diagnoses", "erasures", "grades", "repairs")] == [2, 1, 2, 1]
    assert found["erasures"][0]["storage_serial"] == "S3Z9NB0K123456"


def test_invariant_no_available_without_verified_erasure_through_the_api(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = _headers(settings, workshop)
    code = _intake(client, headers)["code"]
    failed = {**ERASURE, "result": "failed", "verified": False, "verification_method": ""}
    assert (
        client.post(f"/api/v1/devices/{code}/erasure", json=failed, headers=headers).status_code
        == 201
    )
    _to_graded(client, headers, code)
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
    headers = _headers(settings, workshop)
    code = _intake(client, headers)["code"]
    unverified = {**ERASURE, "verified": False}
    assert (
        client.post(f"/api/v1/devices/{code}/erasure", json=unverified, headers=headers).status_code
        == 201
    )
    assert client.get(f"/api/v1/devices/{code}", headers=headers).json()["status"] == "received"
    _to_graded(client, headers, code)
    response = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
    )
    assert response.status_code == 409


def test_device_without_storage_needs_no_erasure(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = _headers(settings, workshop)
    code = _intake(client, headers, category="monitor", has_storage=False, specs={"screen_in": 24})[
        "code"
    ]
    assert (
        client.post(f"/api/v1/devices/{code}/erasure", json=ERASURE, headers=headers).status_code
        == 422
    )
    _to_graded(client, headers, code, category="monitor")
    assert (
        client.post(
            f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
        ).status_code
        == 200
    )


def test_grade_x_cannot_be_made_available(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = _headers(settings, workshop)
    code = _intake(client, headers, category="monitor", has_storage=False, specs={})["code"]

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
    headers = _headers(settings, workshop)
    code = _intake(client, headers, weight_kg=None)["code"]
    response = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "parts"}, headers=headers
    )
    assert response.status_code == 422
    assert "weight_kg" in response.json()["detail"]


def test_diagnosis_checklist_errors_are_all_reported(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = _headers(settings, workshop)
    code = _intake(client, headers)["code"]
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
    headers = _headers(settings, workshop)
    code = _intake(client, headers)["code"]
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
    headers = _headers(settings, workshop)
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


def test_returned_device_needs_a_fresh_erasure(db: Session, workshop: Workshop) -> None:
    from collecte.core.errors import InvalidTransition
    from collecte.devices.service import change_status

    device = workshop.receive()
    workshop.make_available(device)
    for status in (DeviceStatus.ALLOCATED, DeviceStatus.SHIPPED, DeviceStatus.RETURNED):
        change_status(db, device=device, actor=workshop.technician, to=status)
    workshop.diagnose(device)
    workshop.grade(device)
    with pytest.raises(InvalidTransition, match="data protection"):
        change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)
    device.status = DeviceStatus.DIAGNOSED  # back a step to record the new erasure
    workshop.wipe(device)
    workshop.grade(device)
    change_status(db, device=device, actor=workshop.technician, to=DeviceStatus.AVAILABLE)


def test_move_between_sites_of_the_workshop(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    headers = _headers(settings, workshop)
    second = make_site(db, organization=workshop.organization)
    code = _intake(client, headers, site_id=workshop.site.id)["code"]
    moved = client.post(
        f"/api/v1/devices/{code}/move", json={"site_id": second.id}, headers=headers
    )
    assert moved.json()["site_id"] == second.id
    foreign = make_site(db, organization=make_organization(db, kind=OrgKind.WORKSHOP))
    assert (
        client.post(
            f"/api/v1/devices/{code}/move", json={"site_id": foreign.id}, headers=headers
        ).status_code
        == 422
    )


def test_scoping_donor_sees_its_devices_only_and_other_workshops_see_nothing(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    mine = workshop.receive(serial="MINE-1")
    other_donor_device = workshop.receive(
        serial="OTHER-1", donor_id=make_organization(db, kind=OrgKind.DONOR).id
    )
    donor_user = make_user(db, role=Role.DONOR, organization=workshop.donor)
    donor_headers = auth_headers(settings, donor_user)
    listed = [d["code"] for d in client.get("/api/v1/devices", headers=donor_headers).json()]
    assert listed == [mine.code]
    assert (
        client.get(f"/api/v1/devices/{other_donor_device.code}", headers=donor_headers).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/devices/{other_donor_device.code}/events", headers=donor_headers
        ).status_code
        == 404
    )
    # A donor reads but never acts.
    refused = client.post(
        f"/api/v1/devices/{mine.code}/transition", json={"to": "lost"}, headers=donor_headers
    )
    assert refused.status_code == 403

    stranger = make_user(db, role=Role.TECHNICIAN)
    stranger_headers = auth_headers(settings, stranger)
    assert client.get("/api/v1/devices", headers=stranger_headers).json() == []
    assert client.get(f"/api/v1/devices/{mine.code}", headers=stranger_headers).status_code == 404
    assert (
        client.post(
            f"/api/v1/devices/{mine.code}/hold", json={"reason": "x"}, headers=stranger_headers
        ).status_code
        == 404
    )

    partner = make_user(db, role=Role.PARTNER)
    assert client.get("/api/v1/devices", headers=auth_headers(settings, partner)).json() == []


def test_list_filters_and_search(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    headers = _headers(settings, workshop)
    laptop = workshop.receive(serial="PF-AAA111")
    phone = workshop.receive(
        category=Category.SMARTPHONE,
        serial="IMEI-3579",
    )
    by_category = client.get("/api/v1/devices?category=smartphone", headers=headers).json()
    assert [d["code"] for d in by_category] == [phone.code]
    by_serial = client.get("/api/v1/devices?q=aaa111", headers=headers).json()
    assert [d["code"] for d in by_serial] == [laptop.code]
    by_code = client.get(f"/api/v1/devices?q={phone.code.lower()}", headers=headers).json()
    assert [d["code"] for d in by_code] == [phone.code]
    assert client.get("/api/v1/devices?status=available", headers=headers).json() == []


def test_every_status_change_appends_one_event(db: Session, workshop: Workshop) -> None:
    device = workshop.receive()
    workshop.make_available(device)
    changes = db.scalars(
        select(DeviceEvent)
        .where(DeviceEvent.device_id == device.id, DeviceEvent.to_status.is_not(None))
        .order_by(DeviceEvent.id)
    ).all()
    assert [(e.from_status, e.to_status) for e in changes] == [
        (None, DeviceStatus.RECEIVED),
        (DeviceStatus.RECEIVED, DeviceStatus.DIAGNOSED),
        (DeviceStatus.DIAGNOSED, DeviceStatus.WIPED),
        (DeviceStatus.WIPED, DeviceStatus.GRADED),
        (DeviceStatus.GRADED, DeviceStatus.AVAILABLE),
    ]


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
    device.status = DeviceStatus.DIAGNOSED  # back a step to record the second drive again
    records.record_erasure(
        db,
        device=device,
        actor=workshop.technician,
        storage_serial="HDD-2",
        result="erased",
        verified=True,
        **common,
    )
    assert device.status is DeviceStatus.WIPED
