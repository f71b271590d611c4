"""The operator sets up the network in Chromium: a workshop with the départements it serves and
its logo, two sites, then a partner, all through the pages; each page fits a 390 px phone.

Screenshots go to $COLLECTE_SCREENSHOTS when it names a folder (to look at them), else to the
test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from collecte.auth.models import Role
from collecte.auth.service import create_user
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.orgs.models import Organization, OrgKind, Site
from tests.browser.conftest import LiveServer
from tests.orgs.images import image_bytes

pytestmark = pytest.mark.browser

ADMIN = "operateur@reseau.example.org"
PASSWORD = "an operator's password"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _seed(server: LiveServer) -> None:
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            create_user(
                session, email=ADMIN, password=PASSWORD, role=Role.ADMIN, organization_id=None
            )
    finally:
        engine.dispose()


def _stored(server: LiveServer) -> tuple[list[Organization], list[Site]]:
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            organizations = list(
                session.scalars(
                    select(Organization).options(selectinload(Organization.territories))
                )
            )
            sites = list(session.scalars(select(Site).order_by(Site.name)))
            session.expunge_all()
            return organizations, sites
    finally:
        engine.dispose()


def _fits_a_phone(page: Any, folder: Path, name: str) -> None:
    """The page on a phone has no horizontal scroll; screenshots of both sizes."""
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    page.screenshot(path=str(folder / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(folder / f"{name}-desktop.png"), full_page=True)


def _fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f"#{name}").fill(value)


def test_operator_sets_up_a_workshop_its_sites_and_a_partner(
    live_server: LiveServer, browser: Any, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("COLLECTE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    _seed(live_server)
    base = live_server.base_url
    context = browser.new_context(locale="fr-FR", viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill(ADMIN)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.locator("#nav-organizations").click()
    expect(page.locator("#found-count")).to_have_text("0")
    page.locator("#new-organization").click()
    page.locator("#kind").select_option("workshop")
    _fill(
        page,
        {
            "name": "Atelier des Alpes",
            "legal_name": "Atelier des Alpes SCIC",
            "siret": "73282932000075",  # one digit mistyped
            "address": "3 rue Lesdiguières",
            "postcode": "38000",
            "city": "Grenoble",
            "territories_served": "38, 73:2, 74:2",
        },
    )
    page.locator("#create-organization").click()
    expect(page.locator("#e-siret")).to_contain_text("Luhn")
    _fits_a_phone(page, folder, "admin-org-new-refused")
    page.locator("#siret").fill("732 829 320 00074")
    page.locator("#create-organization").click()
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#territories_served")).to_have_value("38, 73:2, 74:2")

    page.locator("#logo-file").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": image_bytes()}]
    )
    page.locator("#upload-logo").click()
    expect(page.locator("#org-logo")).to_be_visible()

    for name, address, latitude, longitude in (
        ("Grenoble Bouchayer", "12 rue Ampère", "45,1951", "5,7125"),
        ("Chambéry Bissy", "40 avenue de la Boisse", "", ""),
    ):
        page.locator("#new-site").click()
        _fill(page, {"name": name, "address": address, "postcode": "38000", "city": "Grenoble"})
        _fill(page, {"latitude": latitude, "longitude": longitude})
        if name.startswith("Chambéry"):
            _fill(page, {"postcode": "73000", "city": "Chambéry"})
            _fits_a_phone(page, folder, "admin-site-new")
        page.locator("#save-site").click()
        expect(page.locator("#site-table")).to_contain_text(name)
    _fits_a_phone(page, folder, "admin-org-workshop")

    page.locator("#nav-organizations").click()
    page.locator("#new-organization").click()
    page.locator("#kind").select_option("partner")
    _fill(
        page,
        {"name": "Secours Numérique", "postcode": "73000", "city": "Chambéry"},
    )
    page.locator("#create-organization").click()
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#new-site")).to_have_count(0)

    page.locator("#nav-organizations").click()
    page.locator("#q").fill("chambéry")
    page.locator("#organization-search button[type=submit]").click()
    expect(page.locator("#organizations")).to_contain_text("Secours Numérique")
    expect(page.locator("#organizations")).not_to_contain_text("Atelier des Alpes")
    _fits_a_phone(page, folder, "admin-org-list")
    context.close()

    organizations, sites = _stored(live_server)
    by_name = {o.name: o for o in organizations}
    workshop = by_name["Atelier des Alpes"]
    assert (workshop.kind, workshop.siret, workshop.legal_name) == (
        OrgKind.WORKSHOP,
        "73282932000074",
        "Atelier des Alpes SCIC",
    )
    assert workshop.territory_priorities == {"38": 1, "73": 2, "74": 2}
    assert workshop.logo_media_type == "image/png"
    assert by_name["Secours Numérique"].kind is OrgKind.PARTNER
    # A site given no coordinates is placed at its commune's centre (the test run's geocoder
    # is off), marked so; typed coordinates are kept as typed.
    assert [(s.name, s.organization_id, s.territory, s.position_source) for s in sites] == [
        ("Chambéry Bissy", workshop.id, "73", "commune"),
        ("Grenoble Bouchayer", workshop.id, "38", "manual"),
    ]
    assert sites[0].latitude is not None
    assert sites[1].latitude == 45.1951
