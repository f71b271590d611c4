"""The device pages: who may see which device, who may act on it, and the CSRF token."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.devices.codes import check_character, format_code
from collecte.devices.lifecycle import DeviceStatus
from tests.devices.pagehelpers import (
    HTML,
    device_count,
    post,
    sign_in,
    status_of,
)
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="CSRF-1")
    response = client.post(
        f"/devices/{device.code}/transition", data={"to": "in_repair"}, headers=HTML
    )
    assert response.status_code == 403
    forged = post(client, f"/devices/{device.code}/transition", "forged", to="in_repair")
    assert forged.status_code == 403
    assert status_of(db, device) is DeviceStatus.RECEIVED
    before = device_count(db)
    assert client.post("/devices/new", data={"category": "laptop"}, headers=HTML).status_code == 403
    assert device_count(db) == before


def test_a_donor_sees_its_own_devices_read_only(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    mine = workshop.receive(serial="MINE-1")
    other_workshop = Workshop(db)
    theirs = other_workshop.receive(serial="THEIRS-1")
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    token = sign_in(client, donor)

    page = client.get(f"/devices/{mine.code}", headers=HTML)
    assert page.status_code == 200
    assert format_code(mine.code) in page.text
    assert 'method="post" action="/devices/' not in page.text
    assert workshop.technician.email not in page.text
    listing = client.get("/devices", headers=HTML).text
    assert mine.code in listing
    assert theirs.code not in listing
    assert client.get(f"/devices/{theirs.code}", headers=HTML).status_code == 404
    assert post(client, f"/devices/{mine.code}/hold", token, reason="mine").status_code == 403
    # Label printing is workshop work, from the page as from the API.
    assert client.get(f"/devices/{mine.code}/label", headers=HTML).status_code == 403


def test_a_technician_of_another_workshop_gets_404(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    device = workshop.receive(serial="OTHER-1")
    stranger = Workshop(db).technician
    token = sign_in(client, stranger)
    assert client.get(f"/devices/{device.code}", headers=HTML).status_code == 404
    assert (
        post(client, f"/devices/{device.code}/transition", token, to="in_repair").status_code == 404
    )
    assert client.get(f"/devices/{device.code}/label", headers=HTML).status_code == 404


def test_a_partner_sees_no_device(client: TestClient, db: Session, workshop: Workshop) -> None:
    device = workshop.receive(serial="PARTNER-1")
    sign_in(client, make_user(db, role=Role.PARTNER))
    assert device.code not in client.get("/devices", headers=HTML).text
    assert client.get(f"/devices/{device.code}", headers=HTML).status_code == 404


def test_an_invalid_code_is_not_an_unknown_one(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    device = workshop.receive()
    wrong = device.code[:7] + ("0" if device.code[7] != "0" else "1")
    assert client.get(f"/devices/{wrong}", headers=HTML).status_code == 422
    unknown = "ABCDEFG" + check_character("ABCDEFG")
    assert client.get(f"/devices/{unknown}", headers=HTML).status_code == 404
