"""The pages work under their content security policy in Chromium: no violation is reported on
the sign-in form, the scan station (its script scans a code) or the device page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, browser, live_server, page
from tests.browser.test_scan_station import scan, seed_workshop, sign_in

__all__ = ["browser", "live_server", "page"]  # the fixtures this module uses

pytestmark = pytest.mark.browser


def test_no_policy_violation_on_the_scan_station_and_the_device_page(
    live_server: LiveServer, page: Any
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    station = seed_workshop(live_server, devices=1)
    sign_in(page, live_server, station.email, "/scan")
    scan(page, station.codes[0])
    expect(page.locator("#scan-feedback")).to_have_attribute("data-state", "ok")
    page.goto(f"{live_server.base_url}/devices/{station.codes[0]}")
    expect(page.locator("h1")).to_be_visible()
    assert violations == []
