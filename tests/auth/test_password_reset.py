"""Password reset by a one-time link sent through the outbox: the "forgot password" form, the
operator's "send a reset link", and the page the link opens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from collecte.auth.models import PasswordReset, Role
from collecte.config import Settings
from collecte.core.types import utcnow
from collecte.notifications.models import OutboxMessage
from tests.auth.resethelpers import NEW_PASSWORD, latest_link, reset_messages
from tests.devices.pagehelpers import HTML, csrf_of, post, sign_in
from tests.factories.accounts import PASSWORD, auth_headers, make_user


def _forgot(client: TestClient, email: str) -> Any:
    token = csrf_of(client.get("/password/forgot", headers=HTML).text)
    return post(client, "/password/forgot", token, email=email)


def _set_password(client: TestClient, path: str, password: str = NEW_PASSWORD) -> Any:
    page = client.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    return post(client, path, csrf_of(page.text), new_password=password, confirm_password=password)


def _signs_in(client: TestClient, email: str, password: str) -> bool:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    return response.status_code == 200


def _outbox_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_the_login_page_leads_to_the_forgot_password_form(client: TestClient) -> None:
    login = client.get("/login", headers=HTML)
    assert 'href="/password/forgot"' in login.text
    form = client.get("/password/forgot", headers=HTML)
    assert form.status_code == 200
    assert 'name="email"' in form.text


def test_a_link_from_the_outbox_sets_a_new_password_once(
    client: TestClient, app: FastAPI, db: Session, settings: Settings
) -> None:
    user = make_user(db, role=Role.DONOR)
    token = auth_headers(settings, user)
    elsewhere = TestClient(app)
    sign_in(elsewhere, user)  # a page session open on another computer

    answer = _forgot(client, user.email.upper())
    assert answer.status_code == 200
    [message] = reset_messages(db, user.email)
    assert message.sent_at is None
    assert settings.public_base_url in message.body
    path = latest_link(db, user.email)
    raw = path.rsplit("/", 1)[1]
    # Only the token's hash is stored.
    reset = db.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
    assert reset is not None
    assert raw not in reset.token_hash
    assert len(reset.token_hash) == 64

    done = _set_password(client, path)
    assert done.status_code == 303
    assert done.headers["location"] == "/login?reset=done"
    assert 'id="password-reset-done"' in client.get(done.headers["location"], headers=HTML).text
    assert _signs_in(client, user.email, NEW_PASSWORD)
    assert not _signs_in(client, user.email, PASSWORD)
    # Every session and token issued before ended.
    assert client.get("/api/v1/users/me", headers=token).status_code == 401
    assert elsewhere.get("/", headers=HTML, follow_redirects=False).status_code == 303
    # The link works once.
    again = client.get(path, headers=HTML)
    assert again.status_code == 404
    assert 'id="link-unusable"' in again.text
    replay = post(
        client,
        path,
        csrf_of(client.get("/password/forgot", headers=HTML).text),
        new_password="a third long password",
        confirm_password="a third long password",
    )
    assert replay.status_code == 404
    assert _signs_in(client, user.email, NEW_PASSWORD)


def test_an_expired_link_is_refused(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.PARTNER)
    _forgot(client, user.email)
    path = latest_link(db, user.email)
    page = client.get(path, headers=HTML)
    assert page.status_code == 200
    db.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id)
        .values(expires_at=utcnow() - dt.timedelta(seconds=1))
    )
    expired = client.get(path, headers=HTML)
    assert expired.status_code == 404
    refused = post(
        client, path, csrf_of(page.text), new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    assert refused.status_code == 404
    assert _signs_in(client, user.email, PASSWORD)


def test_a_link_lasts_as_the_settings_say(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, role=Role.PARTNER)
    before = utcnow()
    _forgot(client, user.email)
    reset = db.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
    assert reset is not None
    lasts = reset.expires_at - before
    ttl = dt.timedelta(minutes=settings.password_reset_ttl_minutes)
    assert ttl <= lasts < ttl + dt.timedelta(minutes=1)
    assert (
        f"{settings.password_reset_ttl_minutes} minutes" in reset_messages(db, user.email)[0].body
    )


def test_an_unknown_or_inactive_address_gets_the_same_answer_and_no_email(
    client: TestClient, db: Session
) -> None:
    known = make_user(db, role=Role.DONOR)
    inactive = make_user(db, role=Role.DONOR)
    inactive.active = False
    db.flush()  # the form reads it through the same transaction
    answers = {}
    for email in (known.email, "nobody@example.org", inactive.email):
        response = _forgot(client, email)
        assert response.status_code == 200
        answers[email] = response.text.replace(email, "<email>")
    assert answers[known.email] == answers["nobody@example.org"] == answers[inactive.email]
    assert len(reset_messages(db, known.email)) == 1
    assert reset_messages(db, "nobody@example.org") == []
    assert reset_messages(db, inactive.email) == []


def test_a_newer_link_ends_the_older_one(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.TECHNICIAN)
    _forgot(client, user.email)
    first = latest_link(db, user.email)
    _forgot(client, user.email)
    second = latest_link(db, user.email)
    assert first != second
    assert client.get(first, headers=HTML).status_code == 404
    assert _set_password(client, second).status_code == 303


def test_the_form_sends_an_account_a_few_links_an_hour_at_most(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, role=Role.COORDINATOR)
    for _ in range(settings.password_reset_max_per_hour + 2):
        assert _forgot(client, user.email).status_code == 200
    assert len(reset_messages(db, user.email)) == settings.password_reset_max_per_hour
    # The operator's links are not counted nor held back.
    admin = make_user(db, role=Role.ADMIN)
    token = sign_in(client, admin)
    sent = post(client, f"/admin/users/{user.id}/reset-link", token)
    assert sent.status_code == 303
    assert len(reset_messages(db, user.email)) == settings.password_reset_max_per_hour + 1


def test_a_short_or_mistyped_password_does_not_spend_the_link(
    client: TestClient, db: Session
) -> None:
    user = make_user(db, role=Role.DONOR)
    _forgot(client, user.email)
    path = latest_link(db, user.email)
    token = csrf_of(client.get(path, headers=HTML).text)
    short = post(client, path, token, new_password="short", confirm_password="short")
    assert short.status_code == 422
    mistyped = post(
        client, path, token, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD + "!"
    )
    assert mistyped.status_code == 422
    assert _set_password(client, path).status_code == 303


def test_a_reset_unlocks_an_account_its_failed_logins_locked(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, role=Role.DONOR)
    for _ in range(settings.login_max_failures):
        _signs_in(client, user.email, "a wrong guess")
    _forgot(client, user.email)
    _set_password(client, latest_link(db, user.email))
    assert _signs_in(client, user.email, NEW_PASSWORD)


def test_the_operator_sends_a_link_from_the_account_page(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    user = make_user(db, role=Role.PARTNER)
    token = sign_in(client, admin)
    page = client.get(f"/admin/users/{user.id}", headers=HTML)
    assert f'action="/admin/users/{user.id}/reset-link"' in page.text
    sent = post(client, f"/admin/users/{user.id}/reset-link", token)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/admin/users/{user.id}?done=reset"
    [message] = reset_messages(db, user.email)
    assert "vous invite à choisir un mot de passe" in message.body  # in the account's language
    # A deactivated account is sent nothing.
    user.active = False
    db.flush()  # the page reads it through the same transaction
    refused = post(client, f"/admin/users/{user.id}/reset-link", token)
    assert refused.status_code == 409
    assert len(reset_messages(db, user.email)) == 1


def test_only_the_operator_sends_reset_links(client: TestClient, db: Session) -> None:
    coordinator = make_user(db, role=Role.COORDINATOR)
    colleague = make_user(db, role=Role.TECHNICIAN, organization=coordinator.organization)
    before = _outbox_count(db)
    token = sign_in(client, coordinator)
    refused = post(client, f"/admin/users/{colleague.id}/reset-link", token)
    assert refused.status_code == 403
    assert _outbox_count(db) == before


def test_deactivating_an_account_ends_its_pending_link(client: TestClient, db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    user = make_user(db, role=Role.DONOR)
    _forgot(client, user.email)
    path = latest_link(db, user.email)
    token = sign_in(client, admin)
    assert post(client, f"/admin/users/{user.id}/active", token, active="no").status_code == 303
    assert post(client, f"/admin/users/{user.id}/active", token, active="yes").status_code == 303
    assert client.get(path, headers=HTML).status_code == 404
