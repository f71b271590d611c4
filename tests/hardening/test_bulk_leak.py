"""Bulk intake names no device the caller cannot see: a donor, a partner, an auditor is refused
before any row is read, another workshop learns nothing of this one's serials; and single
intake refuses a serial already registered in the workshop, like bulk does."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop

ROW = {
    "category": "laptop",
    "brand": "Lenovo",
    "model": "T480",
    "has_storage": True,
    "serial": "SN-1",
}
CSV = "category,brand,model,has_storage,serial\nlaptop,Lenovo,T480,yes,SN-1\n"


@pytest.mark.parametrize("role", [Role.DONOR, Role.PARTNER, Role.AUDITOR])
def test_who_may_not_receive_is_refused_before_any_row(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop, role: Role
) -> None:
    device = workshop.receive(serial="SN-1")
    user = make_user(db, role=role, organization=workshop.donor if role is Role.DONOR else None)
    headers = auth_headers(settings, user)
    for response in (
        client.post("/api/v1/devices/bulk", json=[ROW], headers=headers),
        client.post(
            "/api/v1/devices/import",
            files={"file": ("d.csv", CSV.encode(), "text/csv")},
            headers=headers,
        ),
    ):
        assert response.status_code == 403, response.text
        assert device.code not in response.text


def test_another_workshop_learns_nothing_of_a_serial(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop
) -> None:
    device = workshop.receive(serial="SN-1")
    other = Workshop(db)
    headers = auth_headers(settings, other.technician)
    response = client.post("/api/v1/devices/bulk", json=[ROW], headers=headers)
    assert response.status_code == 201, response.text
    assert device.code not in response.text
    response = client.post(
        "/api/v1/devices/import",
        files={"file": ("d.csv", CSV.replace("SN-1", "SN-1").encode(), "text/csv")},
        headers=headers,
    )
    assert device.code not in response.text


def test_the_own_workshop_is_told_which_device_has_the_serial(
    client: TestClient, settings: Settings, workshop: Workshop
) -> None:
    device = workshop.receive(serial="SN-1")
    headers = auth_headers(settings, workshop.technician)
    response = client.post("/api/v1/devices/bulk", json=[ROW], headers=headers)
    assert response.status_code == 422, response.text
    assert device.code in response.text


def test_single_intake_refuses_a_serial_of_the_workshop(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop
) -> None:
    device = workshop.receive(serial="SN-1")
    response = client.post(
        "/api/v1/devices", json=ROW, headers=auth_headers(settings, workshop.technician)
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "serial_registered"
    assert device.code in response.text
    other = Workshop(db)
    response = client.post(
        "/api/v1/devices", json=ROW, headers=auth_headers(settings, other.technician)
    )
    assert response.status_code == 201, response.text
