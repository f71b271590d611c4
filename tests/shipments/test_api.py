"""Shipments through the API: picking only what is allocated to the request, dispatch, partial
delivery (returned or lost with a reason), returns that send a device back through the workshop."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.events import Event, EventKind
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.service import change_status
from collecte.orgs.models import OrgKind
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow


@pytest.fixture
def flow(db: Session) -> PartnerFlow:
    return PartnerFlow(Workshop(db))


def _as(settings: Settings, user: Any) -> dict[str, str]:
    return auth_headers(settings, user)


def _shipment(client: TestClient, settings: Settings, flow: PartnerFlow, request_id: int) -> Any:
    response = client.post(
        "/api/v1/shipments",
        json={"request_id": request_id},
        headers=_as(settings, flow.workshop.technician),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_picking_refuses_a_device_of_another_request_naming_it_and_its_request(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    first, second, spare = flow.available(3)
    mine = flow.request()
    other = flow.request()
    flow.allocate(mine)
    flow.allocate(other)
    shipment = _shipment(client, settings, flow, mine.id)
    tech = _as(settings, flow.workshop.technician)
    # Which device went where is best fit's business; read it back from the requests.
    codes = {
        r.id: client.get(f"/api/v1/requests/{r.id}", headers=tech).json()["lines"][0][
            "device_codes"
        ][0]
        for r in (mine, other)
    }
    assert set(codes.values()) == {first.code, second.code}
    refused = client.post(
        f"/api/v1/shipments/{shipment['id']}/devices", json={"code": codes[other.id]}, headers=tech
    )
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "device_of_another_request"
    formatted = f"{codes[other.id][:4]} {codes[other.id][4:]}"
    assert formatted in body["detail"]
    assert f"request {other.id}" in body["detail"]
    stray = client.post(
        f"/api/v1/shipments/{shipment['id']}/devices", json={"code": spare.code}, headers=tech
    )
    assert (stray.status_code, stray.json()["code"]) == (409, "device_not_allocated")
    picked = client.post(
        f"/api/v1/shipments/{shipment['id']}/devices", json={"code": codes[mine.id]}, headers=tech
    )
    assert picked.status_code == 200, picked.text
    assert [d["code"] for d in picked.json()["devices"]] == [codes[mine.id]]
    twice = client.post(
        f"/api/v1/shipments/{shipment['id']}/devices", json={"code": codes[mine.id]}, headers=tech
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "device_already_picked")


def test_dispatch_ships_the_devices_and_an_empty_shipment_is_refused(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    devices = flow.available(2)
    request = flow.request([{"category": "laptop", "quantity": 2}])
    codes = flow.allocate(request)
    tech = _as(settings, flow.workshop.technician)
    empty = _shipment(client, settings, flow, request.id)
    refused = client.post(f"/api/v1/shipments/{empty['id']}/dispatch", headers=tech)
    assert (refused.status_code, refused.json()["code"]) == (409, "shipment_empty")
    created = client.post(
        "/api/v1/shipments", json={"request_id": request.id, "device_codes": codes}, headers=tech
    ).json()
    sent = client.post(f"/api/v1/shipments/{created['id']}/dispatch", headers=tech)
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "dispatched"
    assert {d["status"] for d in sent.json()["devices"]} == {"shipped"}
    for device in devices:
        db.refresh(device)
        assert device.status is DeviceStatus.SHIPPED
    again = client.post(
        f"/api/v1/shipments/{created['id']}/devices", json={"code": codes[0]}, headers=tech
    )
    assert again.status_code == 409
    events = db.scalars(
        select(Event).where(Event.shipment_id == created["id"], Event.kind == EventKind.SHIPPED)
    ).all()
    assert {e.partner_id for e in events} == {flow.partner.id}
    assert len(events) == 2


def test_a_partial_delivery_records_what_was_not_received(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    flow.available(3)
    request = flow.request([{"category": "laptop", "quantity": 3}])
    codes = sorted(flow.allocate(request))
    shipment = flow.ship(request, codes)
    partner = _as(settings, flow.partner_user)
    both = client.post(
        f"/api/v1/shipments/{shipment.id}/deliver",
        json={
            "device_codes": [codes[0]],
            "missing": [{"device_code": codes[0], "outcome": "lost", "reason": "?"}],
        },
        headers=partner,
    )
    assert both.status_code == 422
    foreign = client.post(
        f"/api/v1/shipments/{shipment.id}/deliver",
        json={"device_codes": ["not a code"]},
        headers=partner,
    )
    assert foreign.status_code == 422  # not a code at all
    (stranger,) = flow.available(1)
    elsewhere = client.post(
        f"/api/v1/shipments/{shipment.id}/deliver",
        json={"device_codes": [stranger.code]},
        headers=partner,
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "device_not_in_shipment")
    delivered = client.post(
        f"/api/v1/shipments/{shipment.id}/deliver",
        json={
            # typed as printed, grouped and in lower case: the scanner normalisation applies
            "device_codes": [f"{codes[0][:4].lower()} {codes[0][4:]}"],
            "missing": [{"device_code": codes[1], "outcome": "lost", "reason": "colis ouvert"}],
        },
        headers=partner,
    )
    assert delivered.status_code == 200, delivered.text
    statuses = {d["code"]: d["status"] for d in delivered.json()["devices"]}
    assert statuses == {codes[0]: "delivered", codes[1]: "lost", codes[2]: "returned"}
    missing = db.scalars(
        select(Event).where(Event.shipment_id == shipment.id, Event.kind == EventKind.NOT_DELIVERED)
    ).all()
    assert sorted((e.payload["outcome"], e.payload["reason"]) for e in missing) == [
        ("lost", "colis ouvert"),
        ("returned", "not received"),
    ]
    line = client.get(f"/api/v1/requests/{request.id}", headers=partner).json()["lines"][0]
    assert (line["allocated"], line["delivered"], line["returned"]) == (1, 1, 2)
    twice = client.post(f"/api/v1/shipments/{shipment.id}/deliver", headers=partner)
    assert twice.status_code == 409


def test_only_the_partner_confirms_and_another_partner_cannot_see_the_shipment(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    flow.available(1)
    request = flow.request()
    shipment = flow.ship(request, flow.allocate(request))
    workshop_side = client.post(
        f"/api/v1/shipments/{shipment.id}/deliver", headers=_as(settings, flow.coordinator)
    )
    assert workshop_side.status_code == 403
    neighbour = make_user(
        db,
        role=Role.PARTNER,
        organization=make_organization(db, kind=OrgKind.PARTNER, postcode="93100"),
    )
    for method, path in (
        ("GET", f"/api/v1/shipments/{shipment.id}"),
        ("POST", f"/api/v1/shipments/{shipment.id}/deliver"),
    ):
        assert client.request(method, path, headers=_as(settings, neighbour)).status_code == 404
    assert client.get("/api/v1/shipments", headers=_as(settings, neighbour)).json() == []


def test_a_returned_device_goes_back_through_the_workshop_and_needs_a_new_erasure(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    (device,) = flow.available(1)
    flow.delivered(device)
    partner = _as(settings, flow.partner_user)
    returned = client.post(
        "/api/v1/returns",
        json={"device_code": device.code, "reason": "batterie HS", "personal_data_removed": False},
        headers=partner,
    )
    assert returned.status_code == 201, returned.text
    assert returned.json()["status"] == "returned"
    event = db.scalars(
        select(Event).where(Event.device_id == device.id, Event.kind == EventKind.RETURNED)
    ).one()
    assert event.payload == {"reason": "batterie HS", "personal_data_removed": False}
    assert event.partner_id == flow.partner.id
    # The partner no longer sees it; the workshop must erase it again before it is available.
    assert client.get(f"/api/v1/devices/{device.code}", headers=partner).status_code == 404
    flow.workshop.diagnose(device)
    flow.workshop.grade(device)
    with pytest.raises(Exception, match="data protection"):
        change_status(db, device=device, actor=flow.workshop.technician, to=DeviceStatus.AVAILABLE)
    again = client.post(
        "/api/v1/returns", json={"device_code": device.code, "reason": "encore"}, headers=partner
    )
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("status", "target"),
    [
        (DeviceStatus.AVAILABLE, "allocated"),
        (DeviceStatus.ALLOCATED, "shipped"),
        (DeviceStatus.SHIPPED, "delivered"),
        (DeviceStatus.DELIVERED, "handed_over"),
        (DeviceStatus.ALLOCATED, "available"),
        (DeviceStatus.SHIPPED, "lost"),
    ],
)
def test_the_generic_transition_refuses_every_move_of_the_partner_flow(
    client: TestClient,
    db: Session,
    settings: Settings,
    flow: PartnerFlow,
    status: DeviceStatus,
    target: str,
) -> None:
    """Each move below is in the transition table; only the partner flow's services make it."""
    (device,) = flow.available(1)
    if status is not DeviceStatus.AVAILABLE:
        flow.take_to(device, status)
    refused = client.post(
        f"/api/v1/devices/{device.code}/transition",
        json={"to": target},
        headers=_as(settings, flow.workshop.technician),
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "partner_flow_only")
    db.refresh(device)
    assert device.status is status
