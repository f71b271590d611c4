from __future__ import annotations

import asyncio
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.types import Message, Receive, Scope, Send

from collecte.auth.models import Role
from collecte.core.web import PageSessionMiddleware
from collecte.orgs.models import OrgKind
from tests.factories.accounts import PASSWORD, make_organization, make_site, make_user

HTML = {"Accept": "text/html"}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def _sign_in(client: TestClient, email: str, password: str = PASSWORD, next: str = "/") -> object:
    token = _csrf(client.get("/login", headers=HTML).text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": next},
        headers=HTML,
        follow_redirects=False,
    )


def test_home_redirects_to_login_when_signed_out(client: TestClient) -> None:
    response = client.get("/", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_login_sets_an_httponly_samesite_cookie_and_shows_the_home(
    client: TestClient, db: Session
) -> None:
    user = make_user(db, role=Role.DONOR)
    response = _sign_in(client, user.email)
    assert response.status_code == 303  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    home = client.get("/", headers=HTML)
    assert home.status_code == 200
    assert "Espace donateur" in home.text
    assert user.organization is not None
    assert user.organization.name in home.text


def test_login_without_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.DONOR)
    client.get("/login", headers=HTML)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": "forged"},
        headers=HTML,
    )
    assert response.status_code == 403
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_logout_needs_csrf_and_ends_the_session(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.PARTNER)
    _sign_in(client, user.email)
    home = client.get("/", headers=HTML)
    assert client.post("/logout", data={}, headers=HTML).status_code == 403
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200
    client.post(
        "/logout", data={"csrf_token": _csrf(home.text)}, headers=HTML, follow_redirects=False
    )
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_wrong_password_shows_the_form_again(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.PARTNER)
    response = _sign_in(client, user.email, "wrong password")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "Adresse e-mail ou mot de passe incorrect." in response.text  # type: ignore[attr-defined]


def test_web_login_is_throttled_too(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.PARTNER)
    for _ in range(3):
        _sign_in(client, user.email, "wrong password")
    response = _sign_in(client, user.email)
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert "Trop d'échecs" in response.text  # type: ignore[attr-defined]


def test_next_only_goes_to_local_paths(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.PARTNER)
    response = _sign_in(client, user.email, next="https://evil.example/")
    assert response.headers["location"] == "/"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        (Role.ADMIN, "Vue d'ensemble du réseau"),
        (Role.AUDITOR, "Vue d'ensemble du réseau"),
        (Role.COORDINATOR, "Coordination de l'atelier"),
        (Role.TECHNICIAN, "Atelier"),
        (Role.DONOR, "Espace donateur"),
        (Role.PARTNER, "Espace partenaire"),
    ],
)
def test_each_role_has_a_home_page_with_real_data(
    client: TestClient, db: Session, role: Role, heading: str
) -> None:
    workshop = make_organization(db, kind=OrgKind.WORKSHOP, name="Atelier du Test")
    site = make_site(db, organization=workshop)
    org = workshop if role in (Role.COORDINATOR, Role.TECHNICIAN) else None
    user = make_user(db, role=role, organization=org)
    _sign_in(client, user.email)
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert heading in page.text
    if role in (Role.ADMIN, Role.AUDITOR, Role.COORDINATOR, Role.TECHNICIAN):
        assert site.name in page.text
    else:
        assert site.name not in page.text  # a donor or partner sees nothing of the workshop's sites


def test_donor_home_shows_nothing_of_another_donor(client: TestClient, db: Session) -> None:
    other = make_organization(db, kind=OrgKind.DONOR, name="Autre Donateur Secret")
    user = make_user(db, role=Role.DONOR)
    _sign_in(client, user.email)
    assert other.name not in client.get("/", headers=HTML).text


def test_language_switch_to_english_and_back(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.DONOR)
    _sign_in(client, user.email)
    assert "Espace donateur" in client.get("/", headers=HTML).text
    client.get("/language/en?next=/", headers=HTML)
    english = client.get("/", headers=HTML).text
    assert "Donor space" in english
    assert 'lang="en"' in english
    client.get("/language/fr?next=/", headers=HTML)
    assert "Espace donateur" in client.get("/", headers=HTML).text


def test_error_pages_are_html_for_browsers(client: TestClient) -> None:
    response = client.get("/no-such-page", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in response.text


@pytest.mark.parametrize(("path", "has_session"), [("/api/v1/scan", False), ("/devices", True)])
def test_the_page_session_is_opened_for_pages_only(path: str, has_session: bool) -> None:
    seen: dict[str, bool] = {}

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen["session"] = "session" in scope

    middleware = PageSessionMiddleware(inner, secret_key="test-secret-not-for-production")
    scope: Scope = {"type": "http", "path": path, "headers": [], "query_string": b""}

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        return None

    asyncio.run(middleware(scope, receive, send))
    assert seen == {"session": has_session}
