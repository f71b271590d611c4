"""No control character reaches the database (a NUL was a 500 on PostgreSQL, even before
signing in), and a name of spaces only is no name."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.devices.models import Device
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop
from tests.hardening.conftest import BOOKING

DEVICE = {"category": "laptop", "brand": "Lenovo", "model": "T480", "has_storage": True}


def _refused(response: object) -> None:
    assert getattr(response, "status_code") == 422, getattr(response, "text")  # noqa: B009


@pytest.mark.parametrize("bad", ["a\x00b", "a\x01b", "a\x7fb", "a\ufffeb"])
def test_the_token_form_refuses_a_control_character(client: TestClient, bad: str) -> None:
    response = client.post("/api/v1/auth/token", data={"username": bad, "password": "x" * 12})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert response.json()["code"] == "control_character"


def test_a_query_parameter_with_a_nul_is_refused(
    client: TestClient, settings: Settings, workshop: Workshop
) -> None:
    headers = auth_headers(settings, workshop.technician)
    _refused(client.get("/api/v1/devices?q=a%00b", headers=headers))
    assert client.get("/api/v1/devices?q=ab", headers=headers).status_code == 200


def test_a_page_answers_an_error_page(client: TestClient) -> None:
    response = client.get("/login?next=%00", headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("field", ["brand", "model", "serial"])
@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\ud800b"])
def test_a_json_text_with_a_control_character_is_refused(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop, field: str, bad: str
) -> None:
    response = client.post(
        "/api/v1/devices",
        content=json.dumps({**DEVICE, field: bad}),  # escaped: a lone surrogate has no UTF-8
        headers={**auth_headers(settings, workshop.technician), "Content-Type": "application/json"},
    )
    _refused(response)
    assert db.scalar(select(func.count()).select_from(Device)) == 0


def test_a_line_refuses_a_newline_a_text_keeps_it(
    client: TestClient, settings: Settings, workshop: Workshop, donor_user: User
) -> None:
    headers = auth_headers(settings, workshop.technician)
    _refused(client.post("/api/v1/devices", json={**DEVICE, "serial": "a\nb"}, headers=headers))
    booked = client.post(
        "/api/v1/pickups",
        json={**BOOKING, "access_notes": "badge\nà l'accueil"},
        headers=auth_headers(settings, donor_user),
    )
    assert booked.status_code == 201, booked.text


@pytest.mark.parametrize("field", ["brand", "model"])
def test_a_name_of_spaces_only_is_refused(
    client: TestClient, settings: Settings, workshop: Workshop, field: str
) -> None:
    response = client.post(
        "/api/v1/devices",
        json={**DEVICE, field: "   "},
        headers=auth_headers(settings, workshop.technician),
    )
    _refused(response)


@pytest.mark.parametrize("field", ["city", "contact_name", "address"])
def test_a_booking_name_of_spaces_only_is_refused(
    client: TestClient, settings: Settings, donor_user: User, field: str
) -> None:
    response = client.post(
        "/api/v1/pickups", json={**BOOKING, field: "  "}, headers=auth_headers(settings, donor_user)
    )
    _refused(response)


def test_a_booking_with_a_nul_in_a_list_is_refused(
    client: TestClient, settings: Settings, donor_user: User
) -> None:
    response = client.post(
        "/api/v1/pickups",
        json={**BOOKING, "declared_serials": ["SN\x00"]},
        headers=auth_headers(settings, donor_user),
    )
    _refused(response)
