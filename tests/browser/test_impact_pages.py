"""The impact pages in a real browser, on the demo network: the dashboard on a desktop and on a
390 px phone without sideways scrolling, the public page, and the badge shown as an image by
another page. Screenshots go to COLLECTE_SCREENSHOTS (/work/handoff by default) when it exists."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from collecte.auth.models import Role
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.demo import DemoLogin, load_demo
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("COLLECTE_SCREENSHOTS", "/work/handoff"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _demo(server: LiveServer) -> list[DemoLogin]:
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            return load_demo(session)
    finally:
        engine.dispose()


def _shot(page: Any, name: str, **options: Any) -> None:
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / name), **options)


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"


def test_dashboard_desktop_and_phone_public_page_and_badge(
    live_server: LiveServer, page: Any
) -> None:
    logins = _demo(live_server)
    admin = next(login for login in logins if login.role is Role.ADMIN)
    base = live_server.base_url

    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill(admin.email)
    page.get_by_label("Mot de passe").fill(admin.password)
    page.get_by_role("button", name="Se connecter").click()
    page.locator("#nav-impact").click()
    expect(page).to_have_url(f"{base}/impact/dashboard")
    expect(page.locator("#counter-collected .counter-value")).not_to_have_text("0")
    expect(page.locator("#chart-funnel")).to_be_visible()
    expect(page.locator("#table-category")).to_be_visible()
    _no_sideways_scroll(page)
    _shot(page, "dashboard_desktop.png", full_page=True)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#counter-collected")).to_be_visible()
    _no_sideways_scroll(page)
    _shot(page, "dashboard_phone.png", full_page=True)

    # a filter as a phone user sets it: the figures and the download links follow
    donor_select = page.locator("#f-donor_id")
    donor_select.select_option(index=1)
    page.locator("#apply-filters").click()
    expect(page.locator("#download-csv")).to_have_attribute(
        "href", "/impact/dashboard.csv?" + (f"donor_id={donor_select.input_value()}")
    )
    _no_sideways_scroll(page)

    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/impact")
    expect(page.locator("#public-donors")).to_contain_text("Banque Horizon SA")
    expect(page.locator("#chain-seq")).not_to_be_empty()
    _no_sideways_scroll(page)
    _shot(page, "public_impact.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    _no_sideways_scroll(page)

    # another site showing the badge as an image
    page.set_content(
        f'<body style="margin:16px;background:#eee"><img id="badge" alt="impact" '
        f'src="{base}/impact/widget.svg"></body>'
    )
    badge = page.locator("#badge")
    expect(badge).to_be_visible()
    assert page.evaluate("document.getElementById('badge').naturalWidth") == 360
    _shot(badge, "widget.png")
