from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import LoginThrottle, Role
from collecte.config import Settings
from collecte.orgs.models import OrgKind
from tests.factories.accounts import PASSWORD, auth_headers, make_organization, make_user


def _login(client: TestClient, email: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    return response.status_code, response.json()


def test_token_grants_access_and_names_the_user(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.TECHNICIAN)
    status, body = _login(client, user.email.upper(), PASSWORD)
    assert status == 200
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int)
    assert body["expires_in"] > 0
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert "password_hash" not in me.json()


def test_wrong_password_is_401_with_error_shape(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.DONOR)
    status, body = _login(client, user.email, "not the password")
    assert status == 401
    assert body == {
        "error": "not_authenticated",
        "code": "wrong_credentials",
        "detail": "wrong email or password",
    }


def test_repeated_failures_are_refused_with_429_even_with_the_right_password(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, role=Role.DONOR)
    for _ in range(settings.login_max_failures):
        assert _login(client, user.email, "guess")[0] == 401
    response = client.post(
        "/api/v1/auth/token", data={"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["error"] == "too_many_attempts"
    assert int(response.headers["Retry-After"]) > 0
    # Another account is not affected.
    other = make_user(db, role=Role.DONOR)
    assert _login(client, other.email, PASSWORD)[0] == 200


def test_unknown_email_is_throttled_like_a_known_one(
    client: TestClient, db: Session, settings: Settings
) -> None:
    for _ in range(settings.login_max_failures):
        assert _login(client, "nobody@example.org", "guess")[0] == 401
    assert _login(client, "nobody@example.org", "guess")[0] == 429
    assert (
        db.scalar(select(LoginThrottle.failures).where(LoginThrottle.email == "nobody@example.org"))
        == 3
    )


def test_success_clears_the_failure_count(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.DONOR)
    assert _login(client, user.email, "guess")[0] == 401
    assert _login(client, user.email, PASSWORD)[0] == 200
    assert db.get(LoginThrottle, user.email) is None


def test_inactive_account_cannot_log_in_nor_use_old_tokens(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, role=Role.PARTNER)
    headers = auth_headers(settings, user)
    user.active = False
    db.flush()  # the API reads the deactivation through the same transaction
    assert _login(client, user.email, PASSWORD)[0] == 401
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_password_change_revokes_tokens(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, role=Role.PARTNER)
    headers = auth_headers(settings, user)
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    user.password_hash = user.password_hash + "x"
    db.flush()  # the API reads the changed hash through the same transaction
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_forged_token_is_401(client: TestClient, db: Session, settings: Settings) -> None:
    user = make_user(db, role=Role.PARTNER)
    token = auth_headers(settings, user)["Authorization"]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.get("/api/v1/users/me", headers={"Authorization": forged})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_expired_token_is_401(
    client: TestClient, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(db, role=Role.PARTNER)
    issued_at = int(time.time()) - settings.token_ttl_minutes * 60 - 5
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda _self: issued_at)
        old = auth_headers(settings, user)
    fresh = auth_headers(settings, user)
    assert client.get("/api/v1/users/me", headers=old).status_code == 401
    assert client.get("/api/v1/users/me", headers=fresh).status_code == 200


def test_admin_creates_users_whose_role_fits_the_organisation(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    donor_org = make_organization(db, kind=OrgKind.DONOR)
    body = {
        "email": "tech@atelier.org",
        "password": "a long enough password",
        "role": "technician",
        "organization_id": workshop.id,
    }
    created = client.post("/api/v1/users", json=body, headers=auth_headers(settings, admin))
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "technician"
    assert created.json()["organization_id"] == workshop.id

    duplicate = client.post("/api/v1/users", json=body, headers=auth_headers(settings, admin))
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "conflict"

    mismatch = client.post(
        "/api/v1/users",
        json={**body, "email": "x@atelier.org", "organization_id": donor_org.id},
        headers=auth_headers(settings, admin),
    )
    assert mismatch.status_code == 422
    assert "workshop" in mismatch.json()["detail"]

    orphan = client.post(
        "/api/v1/users",
        json={**body, "email": "y@atelier.org", "organization_id": None},
        headers=auth_headers(settings, admin),
    )
    assert orphan.status_code == 422


def test_only_admin_creates_users(client: TestClient, db: Session, settings: Settings) -> None:
    coordinator = make_user(db, role=Role.COORDINATOR)
    body = {"email": "z@atelier.org", "password": "a long enough password", "role": "admin"}
    response = client.post("/api/v1/users", json=body, headers=auth_headers(settings, coordinator))
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_user_listing_is_scoped(client: TestClient, db: Session, settings: Settings) -> None:
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    coordinator = make_user(db, role=Role.COORDINATOR, organization=workshop)
    colleague = make_user(db, role=Role.TECHNICIAN, organization=workshop)
    outsider = make_user(db, role=Role.TECHNICIAN)
    donor = make_user(db, role=Role.DONOR)

    seen = {
        u["email"]
        for u in client.get("/api/v1/users", headers=auth_headers(settings, coordinator)).json()
    }
    assert seen == {coordinator.email, colleague.email}

    donor_view = client.get("/api/v1/users", headers=auth_headers(settings, donor)).json()
    assert [u["email"] for u in donor_view] == [donor.email]
    hidden = client.get(f"/api/v1/users/{outsider.id}", headers=auth_headers(settings, donor))
    assert hidden.status_code == 404
    assert hidden.json()["error"] == "not_found"
