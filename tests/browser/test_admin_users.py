"""Accounts in Chromium: the operator creates a coordinator (invited by email) and a technician
(with a password) for a workshop, deactivates the technician, and the coordinator chooses a
password through the link read from the outbox, then changes it on "my account".

Screenshots of the account pages, on a desktop and a 390 px phone, are written to
$COLLECTE_SCREENSHOTS when it names a folder (to look at them), else to the test's temporary folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from collecte.auth.models import Role
from collecte.auth.resets import RESET_PATH
from collecte.auth.service import create_user
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.notifications.models import OutboxMessage
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

ADMIN = "operateur@collecte.example.org"
ADMIN_PASSWORD = "an operator's password"
COORDINATOR = "coordination@atelier-nord.example.org"
TECHNICIAN = "technicien@atelier-nord.example.org"
TECHNICIAN_PASSWORD = "a technician's first password"
CHOSEN = "a password chosen through the link"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _seed(server: LiveServer) -> int:
    """The operator's account and a workshop (its id)."""
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = create_organization(
                session, name="Atelier Nord", kind=OrgKind.WORKSHOP, postcode="59000", city="Lille"
            )
            create_user(
                session,
                email=ADMIN,
                password=ADMIN_PASSWORD,
                role=Role.ADMIN,
                organization_id=None,
            )
            return workshop.id
    finally:
        engine.dispose()


def _link_in_outbox(server: LiveServer, email: str) -> str:
    """The reset link of the last email queued for this address, on the live server (the link
    names the configured public address, which the test server does not listen on)."""
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            body = session.scalars(
                select(OutboxMessage.body)
                .where(OutboxMessage.recipient == email)
                .order_by(OutboxMessage.id.desc())
            ).first()
    finally:
        engine.dispose()
    assert body is not None, f"no email for {email}"
    found = re.search(r"https?://\S+?(" + re.escape(RESET_PATH) + r"[\w-]+)", body)
    assert found, body
    return server.base_url + found.group(1)


def _sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()


def _sign_out(page: Any) -> None:
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("input[name=email]")).to_be_visible()


def _shots(page: Any, folder: Path, name: str) -> None:
    """The page as it is, on a desktop and on a phone; a phone page must not scroll sideways."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        if label == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width} px wide on a phone"
    page.set_viewport_size(DESKTOP)


def _create(page: Any, workshop_id: int, email: str, role: str, password: str = "") -> None:
    page.locator("#nav-users").click()
    page.locator("#new-user").click()
    page.locator("input[name=email]").fill(email)
    page.locator("select[name=role]").select_option(role)
    page.locator("select[name=organization_id]").select_option(str(workshop_id))
    if password:
        page.locator("input[name=password]").fill(password)
    page.locator("form[action='/admin/users/new'] button[type=submit]").click()
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("h1")).to_have_text(email)


def test_operator_sets_up_workshop_staff_and_a_user_chooses_a_password(
    live_server: LiveServer, page: Any, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("COLLECTE_SCREENSHOTS") or tmp_path)
    base = live_server.base_url
    workshop_id = _seed(live_server)
    page.set_viewport_size(DESKTOP)

    # The operator creates the coordinator without a password (an invitation by email) and the
    # technician with one.
    _sign_in(page, base, ADMIN, ADMIN_PASSWORD)
    expect(page.locator("#home-accounts")).to_be_visible()
    _create(page, workshop_id, COORDINATOR, "coordinator")
    _create(page, workshop_id, TECHNICIAN, "technician", password=TECHNICIAN_PASSWORD)
    page.locator("input[name=full_name]").fill("Awa Diallo")
    page.locator("input[name=integration_contract]").check()
    page.locator("#edit-user button[type=submit]").click()
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Awa Diallo")
    _shots(page, folder, "user")

    # The list finds them by name or by workshop.
    page.locator("#nav-users").click()
    page.locator("input[name=q]").fill("diallo")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("#user-count")).to_have_text("1")
    page.locator("select[name=organization_id]").select_option(str(workshop_id))
    page.locator("input[name=q]").fill("")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("#user-count")).to_have_text("2")
    _shots(page, folder, "users")

    # The technician is deactivated from its page.
    page.locator(f"#users a:text-is('{TECHNICIAN}')").click()
    page.locator("#deactivate").click()
    expect(page.locator("#activate")).to_be_visible()
    expect(page.locator("#access")).to_have_class(re.compile("access-inactive"))

    # The invitation waits in the outbox.
    page.locator("#nav-outbox").click()
    expect(page.locator("#messages")).to_contain_text(COORDINATOR)
    _shots(page, folder, "outbox")
    _sign_out(page)

    # The deactivated technician can no longer sign in.
    _sign_in(page, base, TECHNICIAN, TECHNICIAN_PASSWORD)
    expect(page.get_by_role("alert")).to_be_visible()

    # The coordinator opens the link read from the outbox and chooses a password.
    link = _link_in_outbox(live_server, COORDINATOR)
    page.goto(link)
    expect(page.locator("form.stack")).to_contain_text(COORDINATOR)
    _shots(page, folder, "reset")
    page.locator("input[name=new_password]").fill(CHOSEN)
    page.locator("input[name=confirm_password]").fill(CHOSEN)
    page.locator("form.stack button[type=submit]").click()
    expect(page.locator("#password-reset-done")).to_be_visible()
    _sign_in(page, base, COORDINATOR, CHOSEN)
    expect(page.locator("#nav-account")).to_be_visible()
    # The link works once.
    page.goto(link)
    expect(page.locator("#link-unusable")).to_be_visible()

    # On "my account", the coordinator changes the password and stays signed in.
    page.goto(f"{base}/")
    page.locator("#nav-account").click()
    page.locator("input[name=current_password]").fill(CHOSEN)
    page.locator("input[name=new_password]").fill("yet another long password")
    page.locator("input[name=confirm_password]").fill("yet another long password")
    page.locator("#change-password button[type=submit]").click()
    expect(page.locator("#done")).to_be_visible()
    _shots(page, folder, "account")
    page.goto(f"{base}/")
    expect(page.locator("#nav-account")).to_be_visible()
    _sign_out(page)

    # Forgot it already: the sign-in page leads to the form, which answers without telling more.
    page.locator("#forgot-password").click()
    page.locator("input[name=email]").fill(COORDINATOR)
    page.locator("form[action='/password/forgot'] button[type=submit]").click()
    expect(page.locator("#sent")).to_be_visible()
    _shots(page, folder, "forgot")
    assert _link_in_outbox(live_server, COORDINATOR) != link
