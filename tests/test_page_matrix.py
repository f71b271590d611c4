"""The page matrix: every HTML page and form of the app × every caller × own / other organisation.

The pages' half of tests/test_authorisation_matrix.py, generated the same way from the app's route
table (a page without an entry in EXPECTED fails, and so does an entry without a page), on the same
world (tests/matrix_world.py), each cell in a SAVEPOINT rolled back afterwards.

Callers are signed in with a session cookie made here, as the sign-in form would make it (user id,
password fingerprint, session version, CSRF token): no argon2 hash per caller, one TestClient per
caller kept for every cell. The anonymous caller has a session with a CSRF token and no user (a
visitor whose session ended), so that its form posts reach the sign-in check, not the CSRF one.

A cell's outcome is a class: "ok" is a 2xx, a 303 to anything but /login, or a 409/422 (a rule or
form refusal once the caller was let through); "login" is a 303 to /login or a 401; 403 and 404 are
themselves; any 5xx always fails. MATRIX_DUMP=<file> writes the observed classes, as in the API's.
"""

from __future__ import annotations

import json
import os
import time
from base64 import b64encode
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from itsdangerous import TimestampSigner
from sqlalchemy.orm import Session

from collecte.auth.deps import SESSION_FINGERPRINT_KEY, SESSION_USER_KEY, SESSION_VERSION_KEY
from collecte.auth.models import Role, User
from collecte.auth.tokens import fingerprint
from collecte.config import Settings
from collecte.core.web import CSRF_FIELD, CSRF_SESSION_KEY
from tests.api_matrix_table import EXPECTED as API_EXPECTED
from tests.devices.pagehelpers import HTML
from tests.factories.accounts import auth_headers
from tests.matrix_world import OK, build_world, callers, label_of
from tests.page_matrix_calls import CALLS, COOKIE, CSRF, METHODS, NOT_PAGES, Call
from tests.page_matrix_table import (
    DIFFERS,
    E422,
    EXPECTED,
    LOGIN,
    TWINS,
    anonymous_expects,
    matches,
)


def page_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) of the route table that is a page or a form (see NOT_PAGES)."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        path = getattr(context, "path", None)
        methods = getattr(context, "methods", None) or set()
        if isinstance(path, str) and not any(
            path == prefix or path.startswith(f"{prefix}/") for prefix in NOT_PAGES
        ):
            found |= {(method, path) for method in methods if method in METHODS}
    return found


def session_cookie(settings: Settings, user: User | None) -> str:
    """The session cookie the sign-in form would set (SessionMiddleware's encoding), or a visitor's
    session holding only a CSRF token."""
    data: dict[str, Any] = {CSRF_SESSION_KEY: CSRF}
    if user is not None:
        data |= {
            SESSION_USER_KEY: user.id,
            SESSION_FINGERPRINT_KEY: fingerprint(user),
            SESSION_VERSION_KEY: user.session_version,
        }
    signer = TimestampSigner(str(settings.effective_secret_key))
    return signer.sign(b64encode(json.dumps(data).encode())).decode()


def outcome(response: Response) -> str:
    status = response.status_code
    if status == 303:
        return LOGIN if response.headers["location"].startswith("/login") else OK
    if status == 401:
        return LOGIN
    if 200 <= status < 300 or status == 409:
        return OK
    if status == 422:
        return E422
    return str(status)


def call(
    client: TestClient, cookie: str, db: Session, key: tuple[str, str], spec: Call
) -> Response:
    """One request inside a SAVEPOINT that is rolled back, with the caller's cookie as it was."""
    method, template = key
    kwargs = dict(spec)
    path = template.format(**kwargs.pop("path", {}))
    if method == "POST" and "json" not in kwargs:
        kwargs["data"] = {CSRF_FIELD: CSRF, **kwargs.get("data", {})}
    headers = {**HTML, **kwargs.pop("headers", {})}
    savepoint = db.begin_nested()
    try:
        return client.request(method, path, headers=headers, follow_redirects=False, **kwargs)
    finally:
        savepoint.rollback()
        db.expire_all()
        client.cookies.clear()  # a cell that signed out or in must not change the next one's caller
        client.cookies.set(COOKIE, cookie)


def test_page_matrix(client: TestClient, db: Session, settings: Settings) -> None:
    started = time.monotonic()
    app: FastAPI = client.app  # type: ignore[assignment]
    routes = page_routes(app)
    dump = os.environ.get("MATRIX_DUMP")
    if not dump:
        assert routes == set(EXPECTED), (
            f"pages without an entry: {sorted(routes - set(EXPECTED))}; "
            f"entries without a page: {sorted(set(EXPECTED) - routes)}"
        )
    assert routes == set(CALLS), sorted(routes ^ set(CALLS))
    world = build_world(db, client, settings)
    issued = client.get(
        f"/api/v1/devices/{world.wiped.code}/erasure-certificate.pdf",
        headers=auth_headers(settings, world.users[(Role.TECHNICIAN, "own")]),
    )
    assert issued.status_code == 200, issued.text
    world.document = issued.content  # a genuine copy, for the public check of an upload
    browsers: list[tuple[str, Role, TestClient, str, str]] = []
    for role, side in callers():
        cookie = session_cookie(settings, world.users[(role, side)])
        browsers.append(
            (
                label_of(role, side),
                role,
                TestClient(app, raise_server_exceptions=False),
                cookie,
                side,
            )
        )
    visitor = TestClient(app, raise_server_exceptions=False)
    browsers.append(("anonymous", Role.COORDINATOR, visitor, session_cookie(settings, None), ""))
    for _, _, browser, cookie, _ in browsers:
        browser.cookies.set(COOKIE, cookie)
    failures: list[str] = []
    observed: dict[tuple[str, str], dict[str, str]] = {}
    cells = 0
    for key in sorted(routes, key=lambda k: (k[1], k[0])):
        rule = EXPECTED.get(key)
        row = observed.setdefault(key, {})
        for label, role, browser, cookie, side in browsers:
            response = call(browser, cookie, db, key, CALLS[key](world, role))
            got = outcome(response)
            row[label] = f"{got} {response.status_code}"
            cells += 1
            if rule is None:
                continue
            want = anonymous_expects(rule) if not side else rule.expect(role, side)
            if response.status_code >= 500 or not matches(want, got):
                failures.append(
                    f"{key[0]} {key[1]} as {label}: want {want}, got {response.status_code} "
                    f"{response.headers.get('location', '')} {response.text[:200]}"
                )
    if dump:
        with open(dump, "w") as out:
            for (method, path), row in observed.items():
                out.write(f"{method} {path} {row}\n")
    elapsed = time.monotonic() - started
    # Shown with -s or on failure: how much the matrix covered.
    print(f"page matrix: {len(routes)} routes, {cells} cells, {elapsed:.1f} s")  # noqa: T201
    assert cells > 600
    assert not failures, f"{len(failures)} of {cells} cells:\n" + "\n".join(failures)


def test_pages_follow_their_api_twins() -> None:
    """A page and its API twin answer the same callers the same way, unless DIFFERS says why."""
    assert set(TWINS) <= set(EXPECTED)
    assert set(TWINS.values()) <= set(API_EXPECTED)
    assert set(DIFFERS) <= set(TWINS)
    unlike = {page for page, api in TWINS.items() if EXPECTED[page] != API_EXPECTED[api]}
    assert unlike == set(DIFFERS), sorted(unlike ^ set(DIFFERS))
