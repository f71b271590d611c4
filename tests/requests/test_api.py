"""Requests through the API: filing, addressing, lifecycle, derived counts, line changes,
cancellation, scoping."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.events import Event, EventKind
from collecte.devices.lifecycle import DeviceStatus
from collecte.orgs.models import OrgKind
from collecte.requests.models import Allocation
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow


@pytest.fixture
def flow(db: Session) -> PartnerFlow:
    return PartnerFlow(Workshop(db))


def _as(settings: Settings, user: Any) -> dict[str, str]:
    return auth_headers(settings, user)


def _file(client: TestClient, settings: Settings, flow: PartnerFlow, **body: Any) -> Any:
    payload = {"lines": [{"category": "laptop", "quantity": 2}], **body}
    return client.post("/api/v1/requests", json=payload, headers=_as(settings, flow.partner_user))


def test_a_partner_files_a_request_addressed_to_the_workshop_serving_it(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    response = _file(
        client,
        settings,
        flow,
        lines=[
            {"category": "laptop", "quantity": 3, "min_ram_gb": 8, "min_grade": "B"},
            {"category": "smartphone", "quantity": 2, "min_storage_gb": 64},
        ],
        beneficiaries_count=5,
        needed_by="2027-01-15",
        note="familles accompagnées",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "submitted"
    assert body["workshop_id"] == flow.workshop.organization.id
    assert body["territory"] == "93"
    assert body["needed_by"] == "2027-01-15"
    assert [line["quantity"] for line in body["lines"]] == [3, 2]
    line = body["lines"][0]
    assert all(isinstance(line["id"], int) for line in body["lines"])
    assert (line["allocated"], line["shipped"], line["delivered"], line["device_codes"]) == (
        0,
        0,
        0,
        [],
    )
    assert line["fulfilment"] == body["fulfilment"] == "none"


@pytest.mark.parametrize(
    "change",
    [
        {"lines": []},
        {"lines": [{"category": "toaster", "quantity": 1}]},
        {"lines": [{"category": "laptop", "quantity": 0}]},
        {"lines": [{"category": "laptop", "quantity": 1, "min_grade": "X"}]},
        {"needed_by": "1999-01-01"},
        {"beneficiaries_count": -1},
        {"note": "a\x00b"},
    ],
)
def test_malformed_requests_are_422_and_write_nothing(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow, change: dict[str, Any]
) -> None:
    before = db.scalar(select(func.count(Event.id)))
    response = _file(client, settings, flow, **change)
    assert response.status_code == 422, response.text
    assert db.scalar(select(func.count(Event.id))) == before


def test_no_workshop_serving_the_partner_is_a_409_and_a_foreign_workshop_a_422(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    far = make_organization(db, kind=OrgKind.PARTNER, postcode="13001")
    far_user = make_user(db, role=Role.PARTNER, organization=far)
    lines = {"lines": [{"category": "laptop", "quantity": 1}]}
    refused = client.post("/api/v1/requests", json=lines, headers=_as(settings, far_user))
    assert (refused.status_code, refused.json()["code"]) == (409, "no_workshop_serves")
    lyon = make_organization(db, kind=OrgKind.WORKSHOP, postcode="69001")
    named = _file(client, settings, flow, workshop_id=lyon.id)
    assert (named.status_code, named.json()["code"]) == (422, "workshop_does_not_serve")


def test_lifecycle_approve_then_reject_refused_and_the_history_kept(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    request_id = _file(client, settings, flow).json()["id"]
    coordinator = _as(settings, flow.coordinator)
    approved = client.post(f"/api/v1/requests/{request_id}/approve", headers=coordinator)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["approved_at"] is not None
    again = client.post(
        f"/api/v1/requests/{request_id}/reject", json={"reason": "trop tard"}, headers=coordinator
    )
    assert again.status_code == 409
    assert again.json()["allowed"] == ["closed", "cancelled"]
    # The partner may not decide on its own request.
    own = client.post(
        f"/api/v1/requests/{request_id}/approve", headers=_as(settings, flow.partner_user)
    )
    assert own.status_code == 403


def test_a_rejection_needs_a_reason_and_is_final(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    request_id = _file(client, settings, flow).json()["id"]
    coordinator = _as(settings, flow.coordinator)
    assert (
        client.post(
            f"/api/v1/requests/{request_id}/reject", json={}, headers=coordinator
        ).status_code
        == 422
    )
    rejected = client.post(
        f"/api/v1/requests/{request_id}/reject",
        json={"reason": "hors périmètre"},
        headers=coordinator,
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_note"] == "hors périmètre"
    cancel = client.post(
        f"/api/v1/requests/{request_id}/cancel",
        json={"reason": "duplicate"},
        headers=_as(settings, flow.partner_user),
    )
    assert cancel.status_code == 409


def test_counts_and_fulfilment_follow_the_bindings(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    devices = flow.available(3)
    request = flow.request([{"category": "laptop", "quantity": 3}])
    allocated = flow.allocate(request)
    assert sorted(allocated) == sorted(d.code for d in devices)
    shipment = flow.ship(request, allocated[:2])
    flow.deliver(shipment, [allocated[0]])
    body = client.get(
        f"/api/v1/requests/{request.id}", headers=_as(settings, flow.partner_user)
    ).json()
    (line,) = body["lines"]
    # Bound now: the device never shipped and the delivered one (the one not received came back).
    assert (line["allocated"], line["shipped"], line["delivered"], line["returned"]) == (2, 1, 1, 1)
    assert sorted(line["device_codes"]) == sorted([allocated[0], allocated[2]])
    assert line["fulfilment"] == body["fulfilment"] == "partial"
    assert body["status"] == "approved"


def test_a_request_closes_when_every_line_is_delivered_or_cut(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    flow.available(1)
    request = flow.request(
        [{"category": "laptop", "quantity": 1}, {"category": "tablet", "quantity": 2}]
    )
    codes = flow.allocate(request)
    flow.deliver(flow.ship(request, codes))
    coordinator = _as(settings, flow.coordinator)
    tablet_line = request.lines[1].id
    assert client.get(f"/api/v1/requests/{request.id}", headers=coordinator).json()["status"] == (
        "approved"
    )
    cut = client.patch(
        f"/api/v1/requests/{request.id}/lines/{tablet_line}",
        json={"quantity": 0, "reason": "plus de tablettes"},
        headers=coordinator,
    )
    assert cut.status_code == 200, cut.text
    assert cut.json()["status"] == "closed"
    assert cut.json()["fulfilment"] == "complete"


def test_a_line_change_keeps_the_original_in_the_history(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    request = flow.request([{"category": "laptop", "quantity": 4}], approve=False)
    line_id = request.lines[0].id
    coordinator = _as(settings, flow.coordinator)
    changed = client.patch(
        f"/api/v1/requests/{request.id}/lines/{line_id}",
        json={"quantity": 2, "category": "desktop", "reason": "stock de portables épuisé"},
        headers=coordinator,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["lines"][0]["category"], changed.json()["lines"][0]["quantity"]) == (
        "desktop",
        2,
    )
    event = db.scalars(
        select(Event).where(
            Event.request_id == request.id, Event.kind == EventKind.REQUEST_LINE_CHANGED
        )
    ).one()
    assert event.payload == {
        "line_id": line_id,
        "reason": "stock de portables épuisé",
        "from_category": "laptop",
        "to_category": "desktop",
        "from_quantity": 4,
        "to_quantity": 2,
    }
    empty = client.patch(
        f"/api/v1/requests/{request.id}/lines/{line_id}",
        json={"reason": "rien"},
        headers=coordinator,
    )
    assert empty.status_code == 422


def test_a_line_cannot_drop_below_its_bound_devices(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    flow.available(2)
    request = flow.request([{"category": "laptop", "quantity": 2}])
    flow.allocate(request)
    refused = client.patch(
        f"/api/v1/requests/{request.id}/lines/{request.lines[0].id}",
        json={"quantity": 1, "reason": "moins"},
        headers=_as(settings, flow.coordinator),
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "line_below_bound")


def test_cancelling_gives_the_devices_back_to_stock(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    devices = flow.available(2)
    request = flow.request([{"category": "laptop", "quantity": 2}])
    flow.allocate(request)
    assert {d.status for d in devices} == {DeviceStatus.ALLOCATED}
    bad = client.post(
        f"/api/v1/requests/{request.id}/cancel",
        json={"reason": "because"},
        headers=_as(settings, flow.partner_user),
    )
    assert bad.status_code == 422
    cancelled = client.post(
        f"/api/v1/requests/{request.id}/cancel",
        json={"reason": "no_longer_needed", "note": "les familles ont été équipées"},
        headers=_as(settings, flow.partner_user),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "no_longer_needed"
    assert cancelled.json()["lines"][0]["allocated"] == 0
    for device in devices:
        db.refresh(device)
        assert device.status is DeviceStatus.AVAILABLE
    active = db.scalar(
        select(func.count(Allocation.id)).where(
            Allocation.request_id == request.id, Allocation.ended_at.is_(None)
        )
    )
    assert active == 0


def test_a_device_taken_out_of_a_request_goes_back_to_stock(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    (device,) = flow.available(1)
    request = flow.request()
    flow.allocate(request)
    released = client.post(
        f"/api/v1/requests/{request.id}/release",
        json={"code": device.code, "reason": "écran fêlé"},
        headers=_as(settings, flow.coordinator),
    )
    assert released.status_code == 200, released.text
    assert released.json()["lines"][0]["device_codes"] == []
    db.refresh(device)
    assert device.status is DeviceStatus.AVAILABLE
    again = client.post(
        f"/api/v1/requests/{request.id}/release",
        json={"code": device.code, "reason": "encore"},
        headers=_as(settings, flow.coordinator),
    )
    assert (again.status_code, again.json()["code"]) == (409, "device_not_in_request")


def test_a_partner_sees_only_its_own_requests(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    mine = flow.request(approve=False)
    neighbour = make_organization(db, kind=OrgKind.PARTNER, postcode="93100")
    neighbour_user = make_user(db, role=Role.PARTNER, organization=neighbour)
    theirs = client.get(f"/api/v1/requests/{mine.id}", headers=_as(settings, neighbour_user))
    assert theirs.status_code == 404
    assert str(mine.id) in theirs.json()["detail"]  # the id it asked for, nothing more
    listed = client.get("/api/v1/requests", headers=_as(settings, neighbour_user)).json()
    assert listed == []
    donor = make_user(db, role=Role.DONOR, organization=flow.workshop.donor)
    assert client.get(f"/api/v1/requests/{mine.id}", headers=_as(settings, donor)).status_code == (
        404
    )
