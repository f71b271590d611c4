"""Devices through the JSON API: intake, codes as scanned, lists, scoping and moves."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.devices import codes
from collecte.devices.checklists import Category
from collecte.orgs.models import OrgKind
from tests.devices.apihelpers import intake_device, technician_headers
from tests.factories.accounts import auth_headers, make_organization, make_site, make_user
from tests.factories.devices import Workshop


def test_intake_gives_a_valid_code_and_the_received_status(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    device = intake_device(
        client,
        technician_headers(settings, workshop),
        site_id=workshop.site.id,
        donor_id=workshop.donor.id,
    )
    assert codes.is_valid(device["code"])
    assert device["status"] == "received"
    assert device["site_id"] == workshop.site.id
    assert device["ram_gb"] == 8
    events = client.get(
        f"/api/v1/devices/{device['code']}/events", headers=technician_headers(settings, workshop)
    ).json()
    assert [(e["kind"], e["to_status"], e["actor_id"]) for e in events] == [
        ("intake", "received", workshop.technician.id)
    ]


def test_intake_defaults_to_the_workshops_only_site(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    assert (
        intake_device(client, technician_headers(settings, workshop))["site_id"] == workshop.site.id
    )


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
        headers=technician_headers(settings, workshop),
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
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
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


def test_move_between_sites_of_the_workshop(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    second = make_site(db, organization=workshop.organization)
    code = intake_device(client, headers, site_id=workshop.site.id)["code"]
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
    headers = technician_headers(settings, workshop)
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


def test_the_list_pages_after_a_cursor(
    client: TestClient, workshop: Workshop, settings: Settings, db: Session
) -> None:
    headers = technician_headers(settings, workshop)
    received = [workshop.receive(serial=f"PAGE-{n}") for n in range(5)]
    newest_first = [d.code for d in reversed(received)]
    first = client.get("/api/v1/devices?limit=2&q=page", headers=headers)
    assert [d["code"] for d in first.json()] == newest_first[:2]
    # The next page's address, filters kept, is in the Link header.
    assert first.headers["link"] == (
        f'<http://testserver/api/v1/devices?limit=2&q=page&after={newest_first[1]}>; rel="next"'
    )
    following = client.get(
        f"/api/v1/devices?limit=2&q=page&after={newest_first[1]}", headers=headers
    )
    assert [d["code"] for d in following.json()] == newest_first[2:4]
    last = client.get(f"/api/v1/devices?limit=2&after={newest_first[3]}", headers=headers)
    assert [d["code"] for d in last.json()] == newest_first[4:]
    assert "link" not in last.headers  # a short page is the last
    # A cursor is a device code the caller may see: a malformed one is 422, another's is 404.
    assert client.get("/api/v1/devices?after=XYZ", headers=headers).status_code == 422
    elsewhere = make_organization(db, kind=OrgKind.WORKSHOP)
    stranger = make_user(db, role=Role.TECHNICIAN, organization=elsewhere)
    refused = client.get(
        f"/api/v1/devices?after={received[0].code}", headers=auth_headers(settings, stranger)
    )
    assert refused.status_code == 404
    assert refused.json()["error"] == "not_found"
