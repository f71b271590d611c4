"""Rough edges of a first day, in Chromium on the demo network (issue 12): the board's status
select read whole and the filters' labels and boxes in line, the donor's home on a phone without
sideways scrolling, and the scan station's mode selector near the top of a phone's screen."""

from __future__ import annotations

from typing import Any

import pytest

from collecte.auth.models import Role
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.demo import DemoLogin, load_demo
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Where the scan station's mode selector may start on a phone: it was at 336 px, under a header of
# 277 px (225 px and more, as the issue measured it); the screen is 844 px high.
MODE_SELECTOR_TOP_PX = 130

# Per filter field: its label's and its box's top, whether the label is cut, and for a select the
# width of its longest option against the room its box gives the text (the arrow excluded).
MEASURE_FILTERS = """(form) => {
  const canvas = document.createElement('canvas').getContext('2d');
  return [...form.querySelectorAll('.field')].map((field) => {
    const label = field.querySelector('.field-label');
    const box = field.querySelector('input, select');
    const found = {
      label: label.textContent.trim(),
      labelTop: Math.round(label.getBoundingClientRect().top),
      labelCut: label.scrollWidth > label.clientWidth,
      boxTop: Math.round(box.getBoundingClientRect().top),
      boxHeight: Math.round(box.getBoundingClientRect().height),
    };
    if (box.tagName === 'SELECT') {
      const style = getComputedStyle(box);
      canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      found.widest = Math.max(...[...box.options].map((o) => canvas.measureText(o.text).width));
      // Chromium draws the arrow in the right padding's place: about 20 px.
      found.room = box.clientWidth - parseFloat(style.paddingLeft) - 20;
      found.scrolls = box.scrollWidth > box.clientWidth;
    }
    return found;
  });
}"""


@pytest.fixture(scope="module")
def demo(live_server: LiveServer) -> dict[Role, DemoLogin]:
    """The demo network on the live server's database, and one login per role."""
    engine = make_engine(live_server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            loaded = load_demo(session)
    finally:
        engine.dispose()
    logins: dict[Role, DemoLogin] = {}
    for login in loaded:
        logins.setdefault(login.role, login)
    return logins


def _sign_in(page: Any, server: LiveServer, login: DemoLogin, path: str) -> None:
    page.goto(f"{server.base_url}/login?next={path}")
    page.get_by_label("Adresse e-mail").fill(login.email)
    page.get_by_label("Mot de passe").fill(login.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server.base_url}{path}")


def _scroll_width(page: Any) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def _check_filters(page: Any, form: str) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = page.locator(form).evaluate(MEASURE_FILTERS)
    for field in fields:
        assert not field["labelCut"], field
        if "widest" in field:
            assert not field["scrolls"], field
            assert field["widest"] <= field["room"], f"{field['label']}: an option is cut"
    # The fields of a row share their label line and their box line.
    rows: dict[int, list[dict[str, Any]]] = {}
    for field in fields:
        rows.setdefault(field["labelTop"], []).append(field)
    for row in rows.values():
        assert len({f["boxTop"] for f in row}) == 1, row
        assert len({f["boxHeight"] for f in row}) == 1, row
    first_row = [f for f in fields if f["boxTop"] == fields[0]["boxTop"]]
    assert {f["labelTop"] for f in first_row} == {fields[0]["labelTop"]}, first_row
    return fields


def test_the_board_status_select_reads_whole_and_the_filters_line_up(
    live_server: LiveServer, page: Any, demo: dict[Role, DemoLogin]
) -> None:
    page.set_viewport_size(DESKTOP)
    _sign_in(page, live_server, demo[Role.COORDINATOR], "/pickups")
    fields = _check_filters(page, "#board-filters")
    status = next(f for f in fields if f["label"] == "Statut")
    assert status["widest"] > 150  # "En cours (hors annulées)", the longest option
    # The filter button stands on the boxes' line.
    button = page.locator("#filter-submit").bounding_box()
    last_box = page.locator("#f-q").bounding_box()
    assert abs(button["y"] + button["height"] / 2 - (last_box["y"] + last_box["height"] / 2)) < 3

    page.goto(f"{live_server.base_url}/devices")
    _check_filters(page, "form.filters")

    page.set_viewport_size(PHONE)
    for path, form in (("/pickups", "#board-filters"), ("/devices", "form.filters")):
        page.goto(f"{live_server.base_url}{path}")
        _check_filters(page, form)
        assert _scroll_width(page) <= PHONE["width"], path


def test_the_donors_home_fits_a_phone(
    live_server: LiveServer, page: Any, demo: dict[Role, DemoLogin]
) -> None:
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, demo[Role.DONOR], "/")
    documents = page.locator("#donor-documents")
    assert documents.locator("a", has_text="Rapprochement").count() >= 1  # a collected pickup
    assert _scroll_width(page) <= PHONE["width"]
    box = documents.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]


def test_every_home_fits_a_phone(
    live_server: LiveServer, page: Any, demo: dict[Role, DemoLogin]
) -> None:
    """The operator's home lists organisations and sites as cards on a phone (it was 435 px
    wide), and so does every other role's home."""
    page.set_viewport_size(PHONE)
    for role in (Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN, Role.AUDITOR, Role.PARTNER):
        _sign_in(page, live_server, demo[role], "/")
        assert _scroll_width(page) <= PHONE["width"], role
        page.context.clear_cookies()


def test_the_scan_stations_mode_selector_is_near_the_top_of_a_phone(
    live_server: LiveServer, page: Any, demo: dict[Role, DemoLogin]
) -> None:
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, demo[Role.TECHNICIAN], "/scan")
    top = page.locator("#scan-mode").bounding_box()["y"]
    assert top < MODE_SELECTOR_TOP_PX, f"the mode selector starts {top} px down"
    assert _scroll_width(page) <= PHONE["width"]
    # The whole menu is still there, on one line that scrolls sideways.
    nav = page.locator("nav.mainnav")
    assert nav.locator("a").count() >= 6
    assert page.locator("#nav-impact").count() == 1
    # On a desktop the header keeps its full form.
    page.set_viewport_size(DESKTOP)
    page.reload()
    assert page.locator(".whoami").evaluate("e => e.scrollWidth <= e.clientWidth")
