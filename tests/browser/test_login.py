from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from collecte.auth.models import Role
from collecte.auth.service import create_user
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "a browser test password"


def _donor_account(server: LiveServer, email: str) -> None:
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            org = create_organization(
                session,
                name="Banque du Navigateur",
                kind=OrgKind.DONOR,
                postcode="92400",
                city="Courbevoie",
            )
            create_user(
                session, email=email, password=PASSWORD, role=Role.DONOR, organization_id=org.id
            )
    finally:
        engine.dispose()


def test_sign_in_see_home_switch_language_sign_out(live_server: LiveServer, page: Any) -> None:
    _donor_account(live_server, "donor.browser@example.org")
    page.goto(f"{live_server.base_url}/")
    expect(page).to_have_url(f"{live_server.base_url}/login?next=/")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()

    page.get_by_label("Adresse e-mail").fill("donor.browser@example.org")
    page.get_by_label("Mot de passe").fill("wrong password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("incorrect")

    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Espace donateur")).to_be_visible()
    expect(page.get_by_text("Banque du Navigateur")).to_be_visible()

    # exact: the skip link's "content" holds "en" too
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.get_by_role("heading", name="Donor space")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{live_server.base_url}/")
    expect(page).to_have_url(f"{live_server.base_url}/login?next=/")
