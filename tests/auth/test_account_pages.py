"""The operator's account pages (list, creation, edit, deactivation) and "my account"."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.orgs.models import OrgKind
from tests.auth.resethelpers import NEW_PASSWORD, latest_link, reset_messages
from tests.devices.pagehelpers import HTML, csrf_of, post, sign_in
from tests.factories.accounts import PASSWORD, make_organization, make_user


def _account(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == email))


def test_the_admin_home_and_the_menu_lead_to_the_accounts(client: TestClient, db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    make_user(db, role=Role.TECHNICIAN)
    sign_in(client, admin)
    home = client.get("/", headers=HTML).text
    assert 'href="/admin/users?role=technician&amp;active=yes"' in home
    assert 'id="nav-users"' in home
    assert 'id="nav-outbox"' in home
    assert 'id="nav-account"' in home


def test_every_signed_in_person_has_my_account_but_not_the_accounts(
    client: TestClient, db: Session
) -> None:
    donor = make_user(db, role=Role.DONOR)
    token = sign_in(client, donor)
    home = client.get("/", headers=HTML).text
    assert 'href="/account"' in home
    assert 'id="nav-users"' not in home
    account = client.get("/account", headers=HTML)
    assert account.status_code == 200
    assert donor.email in account.text
    assert client.get("/admin/users", headers=HTML).status_code == 403
    assert client.get(f"/admin/users/{donor.id}", headers=HTML).status_code == 403
    assert post(client, "/admin/users/new", token, email="x@example.org").status_code == 403


def test_the_list_searches_filters_and_pages(client: TestClient, db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    workshop = make_organization(db, kind=OrgKind.WORKSHOP, name="Atelier du Filtre")
    awa = make_user(db, role=Role.TECHNICIAN, organization=workshop)
    awa.full_name = "Awa Diallo"
    gone = make_user(db, role=Role.COORDINATOR, organization=workshop)
    gone.active = False
    for _ in range(55):
        make_user(db, role=Role.AUDITOR)
    sign_in(client, admin)

    found = client.get("/admin/users", params={"q": "diallo"}, headers=HTML).text
    assert awa.email in found
    assert gone.email not in found
    assert 'id="user-count">1<' in found
    assert f'href="/admin/users/{awa.id}"' in found  # each row leads to its account

    by_org = client.get(
        "/admin/users", params={"organization_id": workshop.id, "active": "no"}, headers=HTML
    ).text
    assert gone.email in by_org
    assert awa.email not in by_org
    assert "Atelier du Filtre" in by_org

    auditors = client.get("/admin/users", params={"role": "auditor"}, headers=HTML).text
    assert 'id="user-count">55<' in auditors
    assert "/admin/users?role=auditor&amp;page=2" in auditors
    second = client.get("/admin/users", params={"role": "auditor", "page": 2}, headers=HTML)
    assert len(re.findall(r'href="/admin/users/\d+"', second.text)) == 5
    # Unknown filter values filter nothing rather than failing.
    assert client.get("/admin/users?role=king&active=maybe", headers=HTML).status_code == 200


def test_the_operator_creates_an_account_with_a_password_or_an_invitation(
    client: TestClient, db: Session
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    token = sign_in(client, admin)
    form = client.get(f"/admin/users/new?organization_id={workshop.id}", headers=HTML)
    assert f'<option value="{workshop.id}" selected>' in form.text

    with_password = post(
        client,
        "/admin/users/new",
        token,
        email="Coord.Nouvelle@Example.org",
        full_name="Camille Nouvelle",
        role="coordinator",
        organization_id=str(workshop.id),
        password="a long first password",
    )
    assert with_password.status_code == 303
    coordinator = _account(db, "coord.nouvelle@example.org")
    assert coordinator is not None
    assert with_password.headers["location"] == f"/admin/users/{coordinator.id}?done=created"
    assert coordinator.role is Role.COORDINATOR
    assert reset_messages(db, coordinator.email) == []

    invited = post(
        client,
        "/admin/users/new",
        token,
        email="tech.nouveau@example.org",
        role="technician",
        organization_id=str(workshop.id),
        integration_contract="yes",
    )
    assert invited.status_code == 303
    assert invited.headers["location"].endswith("?done=invited")
    technician = _account(db, "tech.nouveau@example.org")
    assert technician is not None
    assert technician.integration_contract
    # Nobody knows its first password: it chooses one through the link in the outbox.
    other = TestClient(client.app)
    page = other.get(latest_link(db, technician.email), headers=HTML)
    assert technician.email in page.text


def test_a_refused_creation_shows_why_and_creates_nothing(client: TestClient, db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    donor_org = make_organization(db, kind=OrgKind.DONOR)
    taken = make_user(db, role=Role.AUDITOR)
    token = sign_in(client, admin)
    mismatch = post(
        client,
        "/admin/users/new",
        token,
        email="wrong.place@example.org",
        role="technician",
        organization_id=str(donor_org.id),
        password="a long first password",
    )
    assert mismatch.status_code == 422
    assert 'role="alert"' in mismatch.text
    assert 'id="e-organization_id"' in mismatch.text  # said beside the organisation
    assert "wrong.place@example.org" in mismatch.text  # what was typed is kept
    assert "a long first password" not in mismatch.text  # but never the password
    assert _account(db, "wrong.place@example.org") is None
    duplicate = post(client, "/admin/users/new", token, email=taken.email, role="auditor")
    assert duplicate.status_code == 409
    assert 'id="e-email"' in duplicate.text
    bad_email = post(client, "/admin/users/new", token, email="not an email", role="auditor")
    assert bad_email.status_code == 422
    assert 'class="field-error" id="e-email"' in bad_email.text


def test_the_operator_edits_an_account(client: TestClient, db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    partner_org = make_organization(db, kind=OrgKind.PARTNER)
    technician = make_user(db, role=Role.TECHNICIAN, organization=workshop)
    token = sign_in(client, admin)
    page = client.get(f"/admin/users/{technician.id}", headers=HTML)
    assert page.status_code == 200
    assert f'<option value="{workshop.id}" selected>' in page.text

    saved = post(
        client,
        f"/admin/users/{technician.id}",
        token,
        full_name="Awa Diallo",
        role="coordinator",
        organization_id=str(workshop.id),
        integration_contract="yes",
    )
    assert saved.status_code == 303
    db.refresh(technician)
    assert (technician.full_name, technician.role) == ("Awa Diallo", Role.COORDINATOR)
    assert technician.integration_contract

    refused = post(
        client,
        f"/admin/users/{technician.id}",
        token,
        full_name="Awa",
        role="coordinator",
        organization_id=str(partner_org.id),
    )
    assert refused.status_code == 422
    assert 'id="e-organization_id"' in refused.text
    db.refresh(technician)
    assert technician.organization_id == workshop.id
    assert technician.full_name == "Awa Diallo"


def test_deactivating_from_the_page_ends_the_person_s_session(
    client: TestClient, app: FastAPI, db: Session
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    technician = make_user(db, role=Role.TECHNICIAN)
    theirs = TestClient(app)
    sign_in(theirs, technician)
    token = sign_in(client, admin)

    done = post(client, f"/admin/users/{technician.id}/active", token, active="no")
    assert done.status_code == 303
    page = client.get(done.headers["location"], headers=HTML).text
    assert 'id="activate"' in page
    assert theirs.get("/", headers=HTML, follow_redirects=False).status_code == 303
    assert (
        post(client, f"/admin/users/{technician.id}/active", token, active="yes").status_code == 303
    )
    db.refresh(technician)
    assert technician.active


def test_the_last_admin_is_told_why_it_cannot_leave(client: TestClient, db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    token = sign_in(client, admin)
    refused = post(client, f"/admin/users/{admin.id}/active", token, active="no")
    assert refused.status_code == 409
    assert "admin" in refused.text
    assert 'id="error"' in refused.text
    demoted = post(client, f"/admin/users/{admin.id}", token, role="auditor")
    assert demoted.status_code == 409
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200


def test_my_password_change_keeps_this_session_and_ends_the_others(
    client: TestClient, app: FastAPI, db: Session
) -> None:
    user = make_user(db, role=Role.PARTNER)
    other = TestClient(app)
    sign_in(other, user)
    token = sign_in(client, user)

    wrong = post(
        client,
        "/account/password",
        token,
        current_password="not mine",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert wrong.status_code == 403
    assert 'id="e-current_password"' in wrong.text
    differ = post(
        client,
        "/account/password",
        token,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        confirm_password="something else",
    )
    assert differ.status_code == 422
    short = post(
        client,
        "/account/password",
        token,
        current_password=PASSWORD,
        new_password="short",
        confirm_password="short",
    )
    assert short.status_code == 422
    assert other.get("/", headers=HTML, follow_redirects=False).status_code == 200

    changed = post(
        client,
        "/account/password",
        token,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert changed.status_code == 303
    assert changed.headers["location"] == "/account?done=password"
    assert 'id="done"' in client.get("/account?done=password", headers=HTML).text
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200
    assert other.get("/", headers=HTML, follow_redirects=False).status_code == 303
    fresh = TestClient(app)
    login_token = csrf_of(fresh.get("/login", headers=HTML).text)
    new_login = post(fresh, "/login", login_token, email=user.email, password=NEW_PASSWORD)
    assert new_login.status_code == 303
