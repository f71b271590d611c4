"""The operator's changes to accounts (PATCH /api/v1/users/{id}), the last-admin rule, and each
user's own password change (POST /api/v1/users/me/password)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.orgs.models import OrgKind
from tests.devices.pagehelpers import HTML, sign_in
from tests.factories.accounts import PASSWORD, auth_headers, make_organization, make_user

NEW_PASSWORD = "another long password"


def _patch(client: TestClient, settings: Settings, admin: User, target: User, **body: Any) -> Any:
    return client.patch(
        f"/api/v1/users/{target.id}", json=body, headers=auth_headers(settings, admin)
    )


def test_admin_changes_name_contract_role_and_organisation(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    other_workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    technician = make_user(db, role=Role.TECHNICIAN, organization=workshop)

    response = _patch(
        client,
        settings,
        admin,
        technician,
        full_name="  Awa Diallo ",
        integration_contract=True,
        role="coordinator",
        organization_id=other_workshop.id,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["full_name"] == "Awa Diallo"
    assert body["integration_contract"] is True
    assert body["role"] == "coordinator"
    assert body["organization_id"] == other_workshop.id
    # An absent field is kept.
    kept = _patch(client, settings, admin, technician, full_name="A. Diallo").json()
    assert (kept["role"], kept["integration_contract"]) == ("coordinator", True)


def test_a_role_must_fit_its_organisation_on_every_change(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    donor_org = make_organization(db, kind=OrgKind.DONOR)
    technician = make_user(db, role=Role.TECHNICIAN)

    mismatch = _patch(client, settings, admin, technician, role="partner")
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "role_organization_mismatch"
    moved = _patch(client, settings, admin, technician, organization_id=donor_org.id)
    assert moved.json()["code"] == "role_organization_mismatch"
    orphan = _patch(client, settings, admin, technician, organization_id=None)
    assert orphan.json()["code"] == "role_needs_organization"
    admin_in_org = _patch(client, settings, admin, technician, role="admin")
    assert admin_in_org.json()["code"] == "admin_in_organization"
    unknown = _patch(client, settings, admin, technician, organization_id=999_999)
    assert unknown.json()["code"] == "unknown_organization"
    # Nothing was half-written.
    db.refresh(technician)
    assert technician.role is Role.TECHNICIAN
    # Both changed together, consistently: fine.
    ok = _patch(client, settings, admin, technician, role="donor", organization_id=donor_org.id)
    assert ok.status_code == 200
    # An admin leaves its organisation as it becomes one.
    promoted = _patch(client, settings, admin, technician, role="admin", organization_id=None)
    assert promoted.json()["role"] == "admin"


def test_null_and_unknown_fields_are_refused(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    donor = make_user(db, role=Role.DONOR)
    assert _patch(client, settings, admin, donor, role=None).status_code == 422
    assert _patch(client, settings, admin, donor, active=None).status_code == 422
    assert _patch(client, settings, admin, donor, email="x@example.org").status_code == 422
    assert _patch(client, settings, admin, donor, full_name="x" * 201).status_code == 422


def test_deactivation_ends_sign_in_tokens_and_page_sessions(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    partner = make_user(db, role=Role.PARTNER)
    token = auth_headers(settings, partner)
    sign_in(client, partner)  # a page session of the partner in this client's cookie
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200
    old_cookie = client.cookies.get("collecte_session")

    response = _patch(client, settings, admin, partner, active=False)
    assert response.status_code == 200
    assert response.json()["active"] is False

    assert client.get("/api/v1/users/me", headers=token).status_code == 401
    page = client.get("/", headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    login = client.post(
        "/api/v1/auth/token", data={"username": partner.email, "password": PASSWORD}
    )
    assert login.status_code == 401
    # Reactivated, it signs in again, but the page session and the token issued before stay ended.
    assert _patch(client, settings, admin, partner, active=True).json()["active"] is True
    client.cookies.set("collecte_session", old_cookie or "")
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/users/me", headers=token).status_code == 401
    login = client.post(
        "/api/v1/auth/token", data={"username": partner.email, "password": PASSWORD}
    )
    assert login.status_code == 200


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    alone = _patch(client, settings, admin, admin, active=False)
    assert alone.status_code == 409
    assert alone.json()["code"] == "last_admin"
    demoted = _patch(client, settings, admin, admin, role="auditor")
    assert demoted.status_code == 409
    db.refresh(admin)
    assert admin.active
    assert admin.role is Role.ADMIN

    # A deactivated admin does not count: it could not sign in to help.
    sleeping = make_user(db, role=Role.ADMIN)
    sleeping.active = False
    db.flush()  # the API reads it through the same transaction
    assert _patch(client, settings, admin, admin, active=False).status_code == 409

    # With a second active admin, either may step down, but not both.
    second = make_user(db, role=Role.ADMIN)
    assert _patch(client, settings, admin, second, role="auditor").status_code == 200
    assert _patch(client, settings, admin, admin, active=False).status_code == 409
    assert _patch(client, settings, admin, second, role="admin").status_code == 200
    assert _patch(client, settings, admin, admin, active=False).status_code == 200
    # Other changes to the last admin are fine.
    renamed = _patch(client, settings, second, second, full_name="Opérateur")
    assert renamed.status_code == 200


def test_only_the_operator_changes_accounts(
    client: TestClient, db: Session, settings: Settings
) -> None:
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    coordinator = make_user(db, role=Role.COORDINATOR, organization=workshop)
    colleague = make_user(db, role=Role.TECHNICIAN, organization=workshop)
    outsider = make_user(db, role=Role.TECHNICIAN)
    for caller in (coordinator, colleague, make_user(db, role=Role.AUDITOR)):
        refused = _patch(client, settings, caller, colleague, integration_contract=True)
        assert refused.status_code == 403
        assert refused.json()["error"] == "forbidden"
    db.refresh(colleague)
    assert not colleague.integration_contract
    # A coordinator reads its own workshop's accounts, not another's (which do not exist for it).
    coordinator_headers = auth_headers(settings, coordinator)
    own = client.get(f"/api/v1/users/{colleague.id}", headers=coordinator_headers)
    assert own.status_code == 200
    other = client.get(f"/api/v1/users/{outsider.id}", headers=coordinator_headers)
    assert other.status_code == 404
    assert other.json()["error"] == "not_found"
    # The operator is told a missing account does not exist.
    admin = make_user(db, role=Role.ADMIN)
    missing = client.patch(
        "/api/v1/users/999999", json={"full_name": "x"}, headers=auth_headers(settings, admin)
    )
    assert missing.status_code == 404


def test_users_are_searched_and_filtered(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    awa = make_user(db, role=Role.TECHNICIAN, organization=workshop)
    awa.full_name = "Awa Diallo"
    other = make_user(db, role=Role.COORDINATOR, organization=workshop)
    other.active = False
    make_user(db, role=Role.DONOR)
    db.flush()  # the API reads the names through the same transaction
    headers = auth_headers(settings, admin)

    def emails(**params: Any) -> set[str]:
        response = client.get("/api/v1/users", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {u["email"] for u in response.json()}

    assert emails(q="DIALLO") == {awa.email}
    assert emails(q=awa.email.split("@")[0]) == {awa.email}
    assert emails(q="%") == set()  # a wildcard is searched for as typed
    assert emails(organization_id=workshop.id) == {awa.email, other.email}
    assert emails(organization_id=workshop.id, active=False) == {other.email}
    assert emails(role="technician", organization_id=workshop.id) == {awa.email}


def test_own_password_change_ends_other_tokens_and_answers_a_new_one(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, role=Role.DONOR)
    first, second = auth_headers(settings, user), auth_headers(settings, user)
    response = client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=first,
    )
    assert response.status_code == 200, response.text
    fresh = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert client.get("/api/v1/users/me", headers=second).status_code == 401
    assert client.get("/api/v1/users/me", headers=first).status_code == 401
    assert client.get("/api/v1/users/me", headers=fresh).status_code == 200
    old = client.post("/api/v1/auth/token", data={"username": user.email, "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/v1/auth/token", data={"username": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 200


def test_own_password_change_checks_the_current_one_and_the_length(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, role=Role.PARTNER)
    headers = auth_headers(settings, user)
    wrong = client.post(
        "/api/v1/users/me/password",
        json={"current_password": "not it", "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "wrong_current_password"
    short = client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=headers,
    )
    assert short.status_code == 422
    # Nothing changed: the token still holds, the password still signs in.
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    # Wrong guesses count like failed logins: once used up, even the right one is refused.
    for _ in range(settings.login_max_failures - 1):
        client.post(
            "/api/v1/users/me/password",
            json={"current_password": "guess again", "new_password": NEW_PASSWORD},
            headers=headers,
        )
    throttled = client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert throttled.status_code == 429
