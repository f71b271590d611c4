"""Every page passes axe-core with no serious or critical violation, for every role that may see it.

The pages are the page matrix's (tests/page_matrix_table.py): each GET page that answers HTML, with
the path and query the matrix calls it with (tests/test_page_matrix.py CALLS), looked at by each
role the matrix lets through on its own organisation's object, on the matrix's world (organisation
A and B, devices at every step, pickups, requests, shipments, a hand-over) committed on a live
server. A page added to the matrix is checked here without a change. The public pages are also
looked at signed out, and so is a 404. Each page is also checked for attributes that point to
an id it lacks (aria-describedby, aria-labelledby, aria-controls, a label's for), which axe only
lists as "incomplete".

One browser context per role, signed in with the session cookie the sign-in form would set (no
argon2 per role), kept for all of that role's pages. Each page is looked at on a desktop's
width, and once (by the first role that sees it) on a 390 px phone's too. Violations are printed with their rule,
impact, targets and help page; with A11Y_REPORT=<file> every violation (any impact) is written
there, and the counts per rule are printed with -s.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from collecte.app import create_app
from collecte.auth.models import Role
from collecte.core.db import make_engine
from collecte.core.events import number_events
from tests.browser.axe import (
    Violation,
    broken_references,
    counts,
    failing,
    install,
    violations,
)
from tests.browser.conftest import LiveServer
from tests.dbutil import database_backends
from tests.matrix_world import OK, World, build_world
from tests.page_matrix_calls import CALLS, COOKIE
from tests.page_matrix_table import EXPECTED
from tests.test_page_matrix import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# GET routes of the matrix that are downloads, not pages (a path ending in .pdf, .csv or .svg is
# one without being listed); the language switch only redirects; a logo is an image.
NOT_HTML = frozenset(
    {"/devices/{code}/label", "/language/{language}", "/admin/organizations/{organization_id}/logo"}
)
DOWNLOADS = (".pdf", ".csv", ".svg")
# The roles that look, each on its own organisation's side (B's see the same templates).
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ROLES = (Role.ADMIN, Role.AUDITOR, Role.COORDINATOR, Role.TECHNICIAN, Role.DONOR, Role.PARTNER)


# Forms sent back with their errors (sent empty, the browser's own checks off), per role, with
# what is typed first: the error messages and the fields marked invalid are checked too.
REFUSED_FORMS: dict[Role | None, list[tuple[str, str, dict[str, str]]]] = {
    None: [
        (
            "/login",
            "form[action='/login']",
            {"input[name=email]": "nobody@example.org", "input[name=password]": "wrong"},
        )
    ],
    Role.DONOR: [("/pickups/new", "#booking-form", {})],
    Role.TECHNICIAN: [("/devices/new", "form[action='/devices/new']", {})],
    Role.PARTNER: [("/requests/new", "#request-form", {})],
}
SUBMIT_UNCHECKED = (
    "(s) => { const f = document.querySelector(s); f.noValidate = true; f.requestSubmit(); }"
)


def html_pages() -> list[tuple[str, str]]:
    """The matrix's GET pages that answer HTML, as (method, path) keys."""
    return sorted(
        key
        for key in EXPECTED
        if key[0] == "GET" and key[1] not in NOT_HTML and not key[1].endswith(DOWNLOADS)
    )


def seed_world(server: LiveServer) -> World:
    """The page matrix's world, committed on the live server's database.

    build_world asks the API for a document once; that request runs in the world's own
    transaction (as in tests/conftest.py's app fixture), which is committed at the end."""
    engine = make_engine(server.settings.effective_database_url)
    connection = engine.connect()
    transaction = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    app = create_app(server.settings)

    def session_in_world() -> Iterator[Session]:
        number_events(db)
        nested = db.begin_nested()
        try:
            yield db
            if nested.is_active:
                number_events(db)
                nested.commit()
        except BaseException:
            if nested.is_active:
                nested.rollback()
            raise

    @contextmanager
    def connection_in_world() -> Iterator[Connection]:
        with app.state.open_session() as session:
            yield session.connection()

    app.state.open_session = contextmanager(session_in_world)
    app.state.open_connection = connection_in_world
    try:
        with TestClient(app) as client:
            world = build_world(db, client, server.settings)
        number_events(db)
        db.flush()
        transaction.commit()
    finally:
        db.close()
        connection.close()
        app.state.engine.dispose()
        engine.dispose()
    return world


def url_of(server: LiveServer, world: World, key: tuple[str, str], role: Role) -> str:
    spec = dict(CALLS[key](world, role))
    path = key[1].format(**spec.pop("path", {}))
    query = spec.pop("params", None)
    return f"{server.base_url}{path}" + (f"?{urlencode(query)}" if query else "")


def context_for(browser: Any, server: LiveServer, world: World, role: Role | None) -> Any:
    """A browser context with axe loaded, signed in as the role's user of organisation A (or
    signed out)."""
    context = browser.new_context(locale="fr-FR", viewport=DESKTOP)
    install(context)
    user = world.users[(role, "own")] if role is not None else None
    context.add_cookies(
        [{"name": COOKIE, "value": session_cookie(server.settings, user), "url": server.base_url}]
    )
    return context


def look(page: Any, url: str, where: str, phone: bool) -> list[Violation]:
    """The page at a desktop's width, and also at a phone's if asked (a table or a listing that
    scrolls sideways there must be reachable with the keyboard)."""
    response = page.goto(url)
    assert response is not None, where
    assert response.ok, f"{where}: {response.status}"
    assert response.headers["content-type"].startswith("text/html"), where
    found = violations(page, where) + broken_references(page, where)
    if phone:
        page.set_viewport_size(PHONE)
        found += violations(page, f"{where}, 390 px")
        page.set_viewport_size(DESKTOP)
    return found


def test_every_page_passes_axe_for_every_role(live_server: LiveServer, browser: Any) -> None:
    # The pages' markup does not depend on the database: looked at on one backend only (the last
    # of the run's, PostgreSQL in CI, as deployed), which saves a minute and a half.
    if not live_server.settings.effective_database_url.startswith(database_backends()[-1]):
        pytest.skip("the pages are checked once, on the run's last database backend")
    started = time.monotonic()
    world = seed_world(live_server)
    found: list[Violation] = []
    on_phone: set[tuple[str, str]] = set()
    looked = 0
    for role in (*ROLES, None):
        context = context_for(browser, live_server, world, role)
        page = context.new_page()
        page.set_default_timeout(15_000)
        name = role.value if role is not None else "anonymous"
        for key in html_pages():
            rule = EXPECTED[key]
            allowed = rule.public if role is None else rule.expect(role, "own") == OK
            if not allowed:
                continue
            url = url_of(live_server, world, key, role or Role.COORDINATOR)
            # At a phone's width once per page, by the first role that sees it.
            phone = key not in on_phone
            on_phone.add(key)
            found += look(page, url, f"{key[1]} as {name}", phone)
            looked += 1
        for path, form, typed in REFUSED_FORMS.get(role, []):
            page.goto(f"{live_server.base_url}{path}")
            for field, text in typed.items():
                page.locator(field).fill(text)
            with page.expect_navigation():
                page.evaluate(SUBMIT_UNCHECKED, form)
            assert page.locator("[role=alert], .field-error").count() > 0, f"{path}: no error shown"
            where = f"{path} refused, as {name}"
            found += violations(page, where) + broken_references(page, where)
            looked += 1
        # An error page, signed in and out.
        response = page.goto(f"{live_server.base_url}/no-such-page")
        assert response is not None
        assert response.status == 404
        found += violations(page, f"404 as {name}")
        looked += 1
        context.close()
    report = os.environ.get("A11Y_REPORT")
    if report:
        with open(report, "w") as out:
            out.write("\n".join(map(str, found)) + "\n")
    print(  # noqa: T201 - shown with -s: what the check covered and found
        f"axe: {looked} pages looked at in {time.monotonic() - started:.1f} s; "
        f"all violations (elements per rule): {counts(found)}"
    )
    serious = failing(found)
    assert looked > 60
    assert not serious, f"{len(serious)} serious or critical violations:\n" + "\n".join(
        map(str, serious)
    )
