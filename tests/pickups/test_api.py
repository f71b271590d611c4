"""Pickups through the API: booking, scoping, edits, planning, collection, reconciliation, documents."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.orgs.models import OrgKind
from collecte.pickups.models import Pickup
from tests.factories.accounts import auth_headers, make_organization, make_site, make_user
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow

BOOKING: dict[str, Any] = {
    "address": "1 place de la Défense",
    "building": "Tour B",
    "floor": "3",
    "room": "local informatique 3.12",
    "postcode": "92400",
    "city": "Courbevoie",
    "has_elevator": True,
    "van_parking": True,
    "access_notes": "badge à l'accueil",
    "contact_name": "Claire Martin",
    "contact_email": "claire.martin@banque.example.org",
    "call_ahead": True,
    "windows": [{"start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T12:00:00+01:00"}],
    "items": [{"category": "laptop", "quantity": 3}, {"category": "smartphone", "quantity": 2}],
    "estimated_weight_kg": 6.5,
    "declared_serials": ["PF-1", "PF-2", "PF-3", " PF-3 ", "IMEI-9"],
}


def _book(client: TestClient, settings: Settings, user: User, **extra: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/pickups", json={**BOOKING, **extra}, headers=auth_headers(settings, user)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_donor_books_for_its_own_organisation(
    client: TestClient, settings: Settings, workshop: Workshop, donor_user: User
) -> None:
    pickup = _book(client, settings, donor_user)
    assert pickup["donor_id"] == workshop.donor.id
    assert pickup["status"] == "requested"
    assert pickup["territory"] == "92"
    assert pickup["declared_serials"] == ["IMEI-9", "PF-1", "PF-2", "PF-3"]
    other = make_organization(workshop.db, kind=OrgKind.DONOR)
    refused = client.post(
        "/api/v1/pickups",
        json={**BOOKING, "donor_id": other.id},
        headers=auth_headers(settings, donor_user),
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"windows": []}, "windows"),
        (
            {
                "windows": [
                    {"start": "2026-12-01T12:00:00+01:00", "end": "2026-12-01T09:00:00+01:00"}
                ]
            },
            "windows",
        ),
        ({"items": [{"category": "toaster", "quantity": 1}]}, "items"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"postcode": "00000"}, "département"),
        ({"status": "collected"}, "status"),
        # The inventory file's limit holds for a list sent as JSON too.
        ({"declared_serials": ["X" * 101]}, "at most 100 characters"),
    ],
)
def test_bad_bookings_are_422(
    client: TestClient, settings: Settings, donor_user: User, change: dict[str, Any], field: str
) -> None:
    response = client.post(
        "/api/v1/pickups", json={**BOOKING, **change}, headers=auth_headers(settings, donor_user)
    )
    assert response.status_code == 422
    assert field in response.text


def test_scoping_between_donors_partners_and_workshops(
    client: TestClient,
    db: Session,
    settings: Settings,
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    mine = _book(client, settings, donor_user)
    other_donor = make_user(db, role=Role.DONOR)
    assert client.get("/api/v1/pickups", headers=auth_headers(settings, other_donor)).json() == []
    hidden = client.get(
        f"/api/v1/pickups/{mine['id']}", headers=auth_headers(settings, other_donor)
    )
    assert hidden.status_code == 404
    partner = make_user(db, role=Role.PARTNER)
    assert (
        client.get(
            f"/api/v1/pickups/{mine['id']}", headers=auth_headers(settings, partner)
        ).status_code
        == 404
    )
    # A requested pickup waits for the workshops serving its département (92 here); once
    # scheduled it belongs to the receiving workshop.
    stranger = make_user(
        db,
        role=Role.COORDINATOR,
        organization=make_organization(db, kind=OrgKind.WORKSHOP, territories_served=["92"]),
    )
    assert (
        client.get(
            f"/api/v1/pickups/{mine['id']}", headers=auth_headers(settings, stranger)
        ).status_code
        == 200
    )
    client.post(
        f"/api/v1/pickups/{mine['id']}/schedule",
        json={
            "date": "2026-12-01",
            "site_id": workshop.site.id,
            "window_start": "09:00",
            "window_end": "12:00",
        },
        headers=auth_headers(settings, coordinator),
    )
    assert (
        client.get(
            f"/api/v1/pickups/{mine['id']}", headers=auth_headers(settings, stranger)
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/pickups/{mine['id']}", headers=auth_headers(settings, coordinator)
        ).status_code
        == 200
    )


def test_edit_until_scheduled_then_cancel_with_a_reason(
    client: TestClient, settings: Settings, workshop: Workshop, donor_user: User, coordinator: User
) -> None:
    pickup = _book(client, settings, donor_user)
    url = f"/api/v1/pickups/{pickup['id']}"
    edited = client.patch(
        url, json={"floor": "4", "postcode": "94300"}, headers=auth_headers(settings, donor_user)
    )
    assert edited.status_code == 200
    # Still a département the workshop serves, so its coordinator goes on to schedule it.
    assert (edited.json()["floor"], edited.json()["territory"]) == ("4", "94")
    technician = workshop.technician
    assert (
        client.post(
            f"{url}/schedule",
            json={"date": "2026-12-01", "site_id": workshop.site.id},
            headers=auth_headers(settings, technician),
        ).status_code
        == 403
    )
    foreign_site = make_site(
        workshop.db, organization=make_organization(workshop.db, kind=OrgKind.WORKSHOP)
    )
    assert (
        client.post(
            f"{url}/schedule",
            json={"date": "2026-12-01", "site_id": foreign_site.id},
            headers=auth_headers(settings, coordinator),
        ).status_code
        == 422
    )
    scheduled = client.post(
        f"{url}/schedule",
        json={"date": "2026-12-01", "site_id": workshop.site.id, "vehicle": "Kangoo 1"},
        headers=auth_headers(settings, coordinator),
    )
    assert scheduled.json()["status"] == "scheduled"
    late_edit = client.patch(url, json={"floor": "5"}, headers=auth_headers(settings, donor_user))
    assert late_edit.status_code == 409
    cancelled = client.post(
        f"{url}/cancel",
        json={"reason": "déménagement reporté"},
        headers=auth_headers(settings, donor_user),
    )
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "déménagement reporté"
    assert (
        client.post(
            f"{url}/cancel", json={"reason": "x"}, headers=auth_headers(settings, donor_user)
        ).status_code
        == 409
    )


def test_collect_reconcile_and_documents(
    client: TestClient,
    db: Session,
    settings: Settings,
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = _book(client, settings, donor_user)
    url = f"/api/v1/pickups/{pickup['id']}"
    tech = auth_headers(settings, workshop.technician)
    assert (
        client.post(
            f"{url}/collect",
            json={"weight_kg": 6, "released_by": "C. Martin", "received_by": "A. Diallo"},
            headers=tech,
        ).status_code
        == 409
    )
    client.post(
        f"{url}/schedule",
        json={"date": "2026-12-01", "site_id": workshop.site.id},
        headers=auth_headers(settings, coordinator),
    )
    assert client.get(f"{url}/collection-proof.pdf", headers=tech).status_code == 409
    collected = client.post(
        f"{url}/collect",
        json={
            "weight_kg": 6.2,
            "released_by": "C. Martin",
            "received_by": "A. Diallo",
            "counts": {"laptop": 3, "smartphone": 1},
        },
        headers=tech,
    )
    assert collected.status_code == 200, collected.text
    assert collected.json()["collected_counts"] == {"laptop": 3, "smartphone": 1}

    proof = client.get(f"{url}/collection-proof.pdf", headers=auth_headers(settings, donor_user))
    assert proof.status_code == 200
    text = PdfReader(io.BytesIO(proof.content)).pages[0].extract_text()
    assert "C. Martin" in text
    assert "A. Diallo" in text
    assert "6,2 kg" in text  # French by default, the number formatted for it
    assert proof.headers["X-Document-SHA256"]

    # Intake: devices reference the pickup and take its donor.
    from collecte.devices.checklists import Category

    received = [
        workshop.receive(serial="PF-1", pickup_id=pickup["id"], donor_id=None),
        workshop.receive(serial="PF-2", pickup_id=pickup["id"], donor_id=None),
        workshop.receive(serial="SURPRISE-7", pickup_id=pickup["id"], donor_id=None),
        workshop.receive(
            serial="IMEI-9", pickup_id=pickup["id"], donor_id=None, category=Category.SMARTPHONE
        ),
    ]
    assert {d.donor_id for d in received} == {workshop.donor.id}
    report = client.get(f"{url}/reconciliation", headers=auth_headers(settings, donor_user)).json()
    by_category = {row["category"]: row for row in report["categories"]}
    assert (by_category["laptop"]["declared"], by_category["laptop"]["received"]) == (3, 3)
    assert (by_category["smartphone"]["declared"], by_category["smartphone"]["received"]) == (2, 1)
    assert report["missing_serials"] == ["PF-3"]
    assert report["unexpected_serials"] == ["SURPRISE-7"]

    refused = client.get(
        f"{url}/erasure-certificate.pdf", headers=auth_headers(settings, donor_user)
    )
    assert refused.status_code == 409
    for device in received:
        workshop.wipe(device)
    certificate = client.get(
        f"{url}/erasure-certificate.pdf", headers=auth_headers(settings, donor_user)
    )
    assert certificate.status_code == 200
    assert "collecte n° " in PdfReader(io.BytesIO(certificate.content)).pages[0].extract_text()


def test_a_category_listed_twice_adds_up(
    client: TestClient, settings: Settings, workshop: Workshop, donor_user: User, coordinator: User
) -> None:
    items = [{"category": "laptop", "quantity": 2}, {"category": "laptop", "quantity": 3}]
    pickup = _book(client, settings, donor_user, items=items)
    url = f"/api/v1/pickups/{pickup['id']}"
    client.post(
        f"{url}/schedule",
        json={"date": "2026-12-01", "site_id": workshop.site.id},
        headers=auth_headers(settings, coordinator),
    )
    collected = client.post(  # without counts, the declared ones are taken
        f"{url}/collect",
        json={"weight_kg": 9, "released_by": "C. Martin", "received_by": "A. Diallo"},
        headers=auth_headers(settings, coordinator),
    )
    assert collected.json()["collected_counts"] == {"laptop": 5}
    report = client.get(f"{url}/reconciliation", headers=auth_headers(settings, donor_user)).json()
    assert report["declared_total"] == 5


def test_intake_refuses_a_pickup_that_is_not_under_way(
    client: TestClient, settings: Settings, workshop: Workshop, donor_user: User
) -> None:
    pickup = _book(client, settings, donor_user)
    response = client.post(
        "/api/v1/devices",
        json={
            "category": "laptop",
            "brand": "HP",
            "model": "840",
            "has_storage": True,
            "pickup_id": pickup["id"],
        },
        headers=auth_headers(settings, workshop.technician),
    )
    assert response.status_code == 409  # well-formed, refused by a rule on the pickup's status
    assert "requested" in response.json()["detail"]


def test_donation_receipt_data_leaves_the_value_to_the_donor(
    client: TestClient, settings: Settings, workshop: Workshop, donor_user: User, coordinator: User
) -> None:
    pickup = _book(client, settings, donor_user)
    url = f"/api/v1/pickups/{pickup['id']}"
    assert (
        client.get(
            f"{url}/donation-receipt", headers=auth_headers(settings, donor_user)
        ).status_code
        == 409
    )
    client.post(
        f"{url}/schedule",
        json={"date": "2026-12-01", "site_id": workshop.site.id},
        headers=auth_headers(settings, coordinator),
    )
    client.post(
        f"{url}/collect",
        json={"weight_kg": 6, "released_by": "C. Martin", "received_by": "A. Diallo"},
        headers=auth_headers(settings, coordinator),
    )
    for serial in ("PF-1", "PF-2"):
        workshop.receive(serial=serial, pickup_id=pickup["id"], donor_id=None)
    receipt = client.get(
        f"{url}/donation-receipt", headers=auth_headers(settings, donor_user)
    ).json()
    assert receipt["items"] == [{"category": "laptop", "quantity": 2}]
    assert receipt["total_quantity"] == 2
    assert receipt["value_eur"] is None
    assert receipt["donor"]["name"] == workshop.donor.name


def test_traceability_counts_outcomes_of_the_donors_devices_only(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop, donor_user: User
) -> None:
    from collecte.devices.lifecycle import DeviceStatus
    from collecte.devices.service import transition_device

    ready = workshop.receive(serial="T-1")
    workshop.make_available(ready)
    recycled = workshop.receive(serial="T-2")
    transition_device(db, device=recycled, actor=workshop.technician, to=DeviceStatus.RECYCLED)
    delivered = workshop.receive(serial="T-3")
    workshop.make_available(delivered)
    PartnerFlow(workshop).take_to(delivered, DeviceStatus.DELIVERED)
    workshop.receive(serial="T-4")
    workshop.receive(serial="OTHER", donor_id=make_organization(db, kind=OrgKind.DONOR).id)
    report = client.get(
        f"/api/v1/organizations/{workshop.donor.id}/traceability",
        headers=auth_headers(settings, donor_user),
    ).json()
    assert report["total"] == 4
    assert report["outcomes"] == {
        "redistributed": 1,
        "ready": 1,
        "in_workshop": 1,
        "recycled": 1,
        "parts": 0,
        "lost": 0,
    }
    other_donor = make_user(db, role=Role.DONOR)
    hidden = client.get(
        f"/api/v1/organizations/{workshop.donor.id}/traceability",
        headers=auth_headers(settings, other_donor),
    )
    assert hidden.status_code == 404


def test_a_coordinator_books_only_where_its_workshop_serves(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop
) -> None:
    """A booking in a département the workshop does not serve would vanish from its board."""
    lyon = make_organization(db, kind=OrgKind.WORKSHOP, postcode="69007")
    far = make_user(db, role=Role.COORDINATOR, organization=lyon)
    before = db.scalar(select(func.count(Pickup.id)))
    refused = client.post(
        "/api/v1/pickups",
        json={**BOOKING, "donor_id": workshop.donor.id},
        headers=auth_headers(settings, far),
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "book_in_served_territory"
    assert db.scalar(select(func.count(Pickup.id))) == before
    near_workshop = make_organization(db, kind=OrgKind.WORKSHOP, postcode="92000")
    near = make_user(db, role=Role.COORDINATOR, organization=near_workshop)
    booked = _book(client, settings, near, donor_id=workshop.donor.id)
    assert (
        client.get(
            f"/api/v1/pickups/{booked['id']}", headers=auth_headers(settings, near)
        ).status_code
        == 200
    )
