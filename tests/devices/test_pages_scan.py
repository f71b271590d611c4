"""The scan station page and its JSON submit, guarded by the session and the CSRF header."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.devices.codes import check_character
from collecte.devices.lifecycle import DeviceStatus
from tests.devices.pagehelpers import (
    HTML,
    sign_in,
    status_of,
)
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop


def test_scan_station_page(client: TestClient, db: Session, workshop: Workshop, token: str) -> None:
    page = client.get("/scan", headers=HTML)
    assert page.status_code == 200
    assert 'id="scan-input"' in page.text
    assert "autofocus" in page.text
    assert '"csrf": "' in page.text
    sign_in(client, make_user(db, role=Role.DONOR, organization=workshop.donor))
    assert client.get("/scan", headers=HTML).status_code == 403


def test_scan_submit_needs_the_csrf_header(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="SCAN-1")
    body = {"code": device.code.lower(), "action": "to:in_repair"}
    assert client.post("/scan/submit", json=body).status_code == 403
    assert (
        client.post("/scan/submit", json=body, headers={"X-CSRF-Token": "forged"}).status_code
        == 403
    )
    assert status_of(db, device) is DeviceStatus.RECEIVED

    headers = {"X-CSRF-Token": token}
    answer = client.post("/scan/submit", json=body, headers=headers)
    assert answer.status_code == 200
    data = answer.json()
    assert data["device"]["code"] == device.code
    assert data["device"]["status"] == "in_repair"
    assert data["device"]["status_label"] == "En réparation"
    assert data["applied"] == "to:in_repair"
    assert data["duplicate"] is False
    assert "print_label" in data["allowed_actions"]
    assert status_of(db, device) is DeviceStatus.IN_REPAIR

    again = client.post("/scan/submit", json=body, headers=headers).json()
    assert again["duplicate"] is True
    assert again["applied"] is None

    wrong = device.code[:7] + ("0" if device.code[7] != "0" else "1")
    invalid = client.post("/scan/submit", json={"code": wrong}, headers=headers)
    assert (invalid.status_code, invalid.json()["error"]) == (422, "invalid_code")
    unknown = client.post(
        "/scan/submit", json={"code": "ABCDEFG" + check_character("ABCDEFG")}, headers=headers
    )
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    refused = client.post(
        "/scan/submit", json={"code": device.code, "action": "to:shipped"}, headers=headers
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "invalid_transition")


def test_scan_submit_without_a_session_is_401(client: TestClient) -> None:
    answer = client.post("/scan/submit", json={"code": "X"}, headers={"X-CSRF-Token": "x"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "login_required"


def test_a_repeated_look_up_shows_the_device_again(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    """A look-up applies nothing: scanned twice at once, it is found twice, never "already
    scanned: not applied twice" (that is for a scan that applies an action)."""
    device = workshop.receive(serial="LOOK-1")
    headers = {"X-CSRF-Token": token}
    answers = [
        client.post("/scan/submit", json={"code": device.code}, headers=headers).json()
        for _ in range(2)
    ]
    for answer in answers:
        assert answer["device"]["code"] == device.code
        assert (answer["duplicate"], answer["applied"]) == (False, None)
    assert answers[1]["allowed_actions"] == answers[0]["allowed_actions"]
    # An empty action is a look-up too (the station's "look up only" mode sends none).
    again = client.post("/scan/submit", json={"code": device.code, "action": ""}, headers=headers)
    assert again.json()["duplicate"] is False
    assert status_of(db, device) is DeviceStatus.RECEIVED
