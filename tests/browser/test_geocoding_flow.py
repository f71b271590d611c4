"""In Chromium: a booking is placed where the (stand-in) geocoder finds it; one it cannot find is
shown as approximate, and the coordinator corrects it with the keyboard, on a desktop and a phone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.test_pickup_flow import COORDINATOR, DONOR, _seed, _signed_in
from tests.geostandin import StandIn, standin

pytestmark = pytest.mark.browser
__all__ = ["standin"]


def _book(page: Any, base: str, address: str, day: dt.date) -> int:
    page.goto(f"{base}/pickups/new")
    form = page.locator("#booking-form")
    form.locator("#address").fill(address)
    form.locator("#postcode").fill("59800")
    form.locator("#city").fill("Lille")
    form.locator("#contact_name").fill("Claire Dubois")
    form.locator("#contact_email").fill("claire.dubois@banque-solidaire.example.org")
    form.locator("#window_date_0").fill(day.isoformat())
    form.locator("#window_start_0").fill("09:00")
    form.locator("#window_end_0").fill("12:00")
    form.locator("#qty_laptop").fill("2")
    form.locator("#submit-booking").click()
    expect(page).to_have_url(re.compile(r"/pickups/\d+\?done="))
    return int(re.search(r"/pickups/(\d+)", page.url).group(1))  # type: ignore[union-attr]


def test_a_booking_is_placed_and_an_approximate_one_corrected(
    live_server: LiveServer, browser: Any, standin: StandIn
) -> None:
    _seed(live_server)
    live_server.settings.geocoder_url = standin.url  # the app reads this settings object
    standin.places["3 rue Nationale"] = (50.6363, 3.0635)
    base = live_server.base_url
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)

    donor = _signed_in(browser, base, DONOR)
    found = _book(donor, base, "3 rue Nationale", day)
    expect(donor.locator("#position-coordinates")).to_have_text("50.63630, 3.06350")
    expect(donor.locator("#position-approximate")).to_have_count(0)
    lost = _book(donor, base, "9 impasse Introuvable", day)
    expect(donor.locator("#position-approximate")).to_be_visible()
    expect(donor.locator("#position-form")).to_have_count(0)
    assert len(standin.requests) == 2

    for width, height in ((1280, 900), (390, 844)):
        staff = _signed_in(browser, base, COORDINATOR)
        staff.set_viewport_size({"width": width, "height": height})
        staff.goto(f"{base}/pickups/{lost}")
        # Back to the commune's centre (the second button), from the keyboard.
        staff.locator("#position-commune").focus()
        staff.keyboard.press("Enter")
        expect(staff).to_have_url(re.compile(rf"/pickups/{lost}\?done=position"))
        expect(staff.locator("#position-approximate")).to_be_visible()
        assert staff.evaluate("document.documentElement.scrollWidth") <= width
        # The keyboard alone: type the coordinates, Enter submits the form's first button.
        staff.locator("#latitude").fill("50,6292")
        longitude = f"3.05{width}"
        staff.locator("#longitude").press("Control+a")
        staff.keyboard.type(longitude.replace(".", ","))
        staff.locator("#longitude").press("Enter")
        expect(staff).to_have_url(re.compile(rf"/pickups/{lost}\?done=position"))
        expect(staff.locator("#done")).to_be_visible()
        expect(staff.locator("#position-approximate")).to_have_count(0)
        expect(staff.locator("#position-coordinates")).to_have_text(
            f"50.62920, {float(longitude):.5f}"
        )
        staff.context.close()
    assert found != lost
