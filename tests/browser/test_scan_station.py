"""The scan station in Chromium, typed into exactly as a keyboard-wedge scanner does."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from collecte.auth.models import Role
from collecte.auth.service import create_user
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.devices.codes import check_character, format_code
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.schemas import DeviceCreate
from collecte.devices.service import create_device
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization, create_site
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "a scan station password"
_sequence = itertools.count(1)


@dataclass(frozen=True)
class Station:
    email: str
    codes: list[str]


def seed_workshop(server: LiveServer, devices: int = 3) -> Station:
    """A workshop with a site, a technician and received laptops, committed on the live database."""
    n = next(_sequence)
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = create_organization(
                session,
                name=f"Atelier {n}",
                kind=OrgKind.WORKSHOP,
                postcode="93100",
                city="Montreuil",
            )
            site = create_site(
                session,
                organization_id=workshop.id,
                name=f"Site {n}",
                postcode="93100",
                city="Montreuil",
            )
            email = f"scan{n}@example.org"
            technician = create_user(
                session,
                email=email,
                password=PASSWORD,
                role=Role.TECHNICIAN,
                organization_id=workshop.id,
            )
            codes = [
                create_device(
                    session,
                    actor=technician,
                    data=DeviceCreate.model_validate(
                        {
                            "category": "laptop",
                            "brand": "Lenovo",
                            "model": f"ThinkPad T{470 + i}",
                            "serial": f"SCAN-{n}-{i}",
                            "has_storage": True,
                            "weight_kg": 1.6,
                            "site_id": site.id,
                        }
                    ),
                ).code
                for i in range(devices)
            ]
    finally:
        engine.dispose()
    return Station(email=email, codes=codes)


def stored(server: LiveServer, code: str) -> Device:
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            device = session.scalar(select(Device).where(Device.code == code))
            assert device is not None
            session.expunge(device)
            return device
    finally:
        engine.dispose()


def sign_in(page: Any, server: LiveServer, email: str, next: str) -> None:
    page.goto(f"{server.base_url}/login?next={next}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{server.base_url}{next}")
    # The URL matches from the navigation's commit; the station's deferred script has run only
    # once the page has loaded (a mode chosen before it would not be seen: a race under load).
    page.wait_for_load_state("load")


def scan(page: Any, text: str) -> None:
    """What a keyboard-wedge scanner does: type the characters, then Enter."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_scan_look_up_repeat_sticky_mode_and_invalid_code(
    live_server: LiveServer, page: Any
) -> None:
    station = seed_workshop(live_server)
    first, second, third = station.codes
    sign_in(page, live_server, station.email, "/scan")
    scan_input = page.locator("#scan-input")
    feedback = page.locator("#scan-feedback")
    rows = page.locator("#scan-history tr")
    expect(scan_input).to_be_focused()

    # a look-up: green, the device shown, a high beep
    scan(page, first)
    expect(feedback).to_have_attribute("data-state", "ok")
    expect(feedback).to_have_attribute("data-sound", "ok")
    expect(page.locator("#feedback-code")).to_have_text(format_code(first))
    expect(page.locator("#feedback-status")).to_have_text("Reçu")
    expect(feedback).to_contain_text("ThinkPad T470")
    expect(scan_input).to_be_focused()
    expect(scan_input).to_have_value("")

    # the same code at once: a look-up applies nothing, so it just shows the device again
    scan(page, first)
    expect(rows).to_have_count(2)
    expect(feedback).to_have_attribute("data-state", "ok")
    expect(feedback).not_to_contain_text("Déjà scanné")
    expect(page.locator("#feedback-code")).to_have_text(format_code(first))

    # a sticky mode: every scan now sends the device to repair
    page.locator("#scan-mode").select_option("to:in_repair")
    expect(scan_input).to_be_focused()
    expect(page.locator("#mode-banner")).to_have_text("→ En réparation")
    scan(page, second)
    expect(rows).to_have_count(3)
    scan(page, third.lower())  # scanners may send lower case
    expect(rows).to_have_count(4)
    expect(feedback).to_have_attribute("data-state", "ok")
    expect(feedback).to_contain_text("Fait : → En réparation")
    expect(page.locator("#feedback-status")).to_have_text("En réparation")
    expect(rows.nth(0)).to_contain_text(format_code(third))
    expect(rows.nth(1)).to_contain_text(format_code(second))
    # the same code at once in an action mode, as a double-firing scanner would: orange,
    # not applied twice
    scan(page, third)
    expect(rows).to_have_count(5)
    expect(feedback).to_have_attribute("data-state", "duplicate")
    expect(feedback).to_have_attribute("data-sound", "duplicate")
    expect(feedback).to_contain_text("Déjà scanné")
    assert stored(live_server, second).status is DeviceStatus.IN_REPAIR
    assert stored(live_server, third).status is DeviceStatus.IN_REPAIR
    assert stored(live_server, first).status is DeviceStatus.RECEIVED  # looked up only

    # a wrong check character: red, "invalid", a low beep, nothing changed
    wrong = first[:7] + ("0" if first[7] != "0" else "1")
    scan(page, wrong)
    expect(feedback).to_have_attribute("data-state", "error invalid-code")
    expect(feedback).to_have_attribute("data-sound", "error")
    expect(page.locator("#feedback-title")).to_contain_text("Code invalide")
    expect(rows.nth(0)).to_contain_text("Code invalide")
    # a well-formed code nobody has: red, "unknown"
    scan(page, "ABCDEFG" + check_character("ABCDEFG"))
    expect(feedback).to_have_attribute("data-state", "error not-found")
    expect(page.locator("#feedback-title")).to_contain_text("Code inconnu")
    expect(scan_input).to_be_focused()

    # clicking elsewhere on the page gives the focus back to the input
    page.locator("h2", has_text="Scans de cette session").click()
    expect(scan_input).to_be_focused()


def test_hold_mode_asks_for_a_reason_and_stays_after_a_reload(
    live_server: LiveServer, page: Any
) -> None:
    station = seed_workshop(live_server, devices=2)
    sign_in(page, live_server, station.email, "/scan")
    scan_input = page.locator("#scan-input")
    feedback = page.locator("#scan-feedback")

    page.locator("#scan-mode").select_option("hold")
    reason = page.locator("#scan-reason")
    expect(reason).to_be_focused()  # the mode needs a reason first
    reason.fill("awaiting a charger")
    reason.press("Enter")
    expect(scan_input).to_be_focused()
    expect(page.locator("#mode-banner")).to_contain_text("awaiting a charger")

    for code in station.codes:
        scan(page, format_code(code))  # a code typed by hand, grouped
    expect(page.locator("#scan-history tr")).to_have_count(2)
    expect(feedback).to_have_attribute("data-state", "ok")
    expect(page.locator("#feedback-hold")).to_be_visible()
    for code in station.codes:
        assert stored(live_server, code).hold_reason == "awaiting a charger"

    page.reload()
    expect(page.locator("#scan-mode")).to_have_value("hold")
    expect(page.locator("#scan-reason")).to_have_value("awaiting a charger")
    expect(page.locator("#scan-input")).to_be_focused()


def test_print_mode_queues_labels_for_one_batch(live_server: LiveServer, page: Any) -> None:
    station = seed_workshop(live_server, devices=2)
    sign_in(page, live_server, station.email, "/scan")
    page.locator("#scan-mode").select_option("print_label")
    for code in station.codes:
        scan(page, code)
        expect(page.locator("#queue-count")).to_have_text(str(station.codes.index(code) + 1))
    expect(page.locator("#queue-input")).to_have_value(",".join(station.codes))
    expect(page.locator("#scan-input")).to_be_focused()
    # the queue posts to the label page; its answer is the PDF of both labels
    token = page.locator("#queue-form input[name=csrf_token]").input_value()
    response = page.request.post(
        f"{live_server.base_url}/labels",
        form={
            "csrf_token": token,
            "codes": ",".join(station.codes),
            "template": "avery-l7651",
            "skip": "0",
        },
    )
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
