"""Signing out ends the session on the server: a copy of the cookie taken before no longer reads
or writes (defect 5), nor does one taken before a password change or a deactivation."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.passwords import hash_password
from collecte.config import Settings
from collecte.devices.lifecycle import DeviceStatus
from tests.devices.pagehelpers import HTML, post, sign_in, status_of
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop

COOKIE = "collecte_session"


def _replay(client: TestClient, cookie: str) -> None:
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)


def _assert_signed_out(client: TestClient, workshop: Workshop, db: Session, token: str) -> None:
    device = workshop.receive(serial="STOLEN-1")
    page = client.get(f"/devices/{device.code}", headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    held = post(client, f"/devices/{device.code}/hold", token, reason="written by a thief")
    assert held.status_code == 303
    assert held.headers["location"].startswith("/login")
    scan = client.post(
        "/scan/submit",
        json={"code": device.code, "action": "to:in_repair"},
        headers={"X-CSRF-Token": token},
    )
    assert scan.status_code == 401
    assert scan.json()["error"] == "login_required"
    assert status_of(db, device) is DeviceStatus.RECEIVED
    assert device.hold_reason is None


def test_a_cookie_copied_before_logout_no_longer_reads_or_writes(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    token = sign_in(client, workshop.technician)
    stolen = client.cookies[COOKIE]
    assert post(client, "/logout", token).status_code == 303
    _replay(client, stolen)
    _assert_signed_out(client, workshop, db, token)


def test_logout_ends_the_accounts_other_sessions_and_a_new_sign_in_works(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    token = sign_in(client, workshop.technician)
    other_device = client.cookies[COOKIE]
    client.cookies.clear()
    token = sign_in(client, workshop.technician)
    assert post(client, "/logout", token).status_code == 303
    _replay(client, other_device)
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303
    client.cookies.clear()
    sign_in(client, workshop.technician)
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200


def test_a_password_change_or_a_deactivation_ends_the_sessions(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    token = sign_in(client, workshop.technician)
    stolen = client.cookies[COOKIE]
    workshop.technician.password_hash = hash_password("another long passphrase")
    db.flush()  # the next request reads the new hash
    _replay(client, stolen)
    _assert_signed_out(client, workshop, db, token)

    other = Workshop(db)
    client.cookies.clear()
    token = sign_in(client, other.technician)
    stolen = client.cookies[COOKIE]
    other.technician.active = False
    db.flush()  # the next request reads the deactivation
    _replay(client, stolen)
    _assert_signed_out(client, other, db, token)


def test_logout_leaves_the_accounts_bearer_tokens_valid(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    """Tokens are for API clients and carry no session version (see collecte.auth.tokens)."""
    headers = auth_headers(settings, workshop.technician)
    token = sign_in(client, workshop.technician)
    assert post(client, "/logout", token).status_code == 303
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
