"""The run sheet a driver can use: stops at a readable size, a box to tick per stop, the driver's
and the vehicle's names (or lines to write them on), and no departure time when nothing is routed."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader

from tests.factories.accounts import auth_headers
from tests.pickups.pagehelpers import offset
from tests.pickups.test_runsheet import DAY, Round, _booking, day

__all__ = ["day"]


def _text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def _sizes_of(pdf: bytes, needle: str) -> list[float]:
    """The font sizes (in points, scaled as drawn) of the text runs containing ``needle``."""
    sizes: list[float] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, size: float) -> None:
        if needle in text:
            sizes.append(size * abs(tm[3]) * abs(cm[3]))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def _boxes(pdf: bytes) -> int:
    """How many tick boxes (5 mm squares) the pages draw."""
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        contents = page.get_contents()
        assert contents is not None
        count += len(re.findall(rb"0 0 14.17323 14.17323 re", contents.get_data()))
    return count


def test_the_stop_table_is_readable_and_has_a_box_per_stop(day: Round) -> None:
    for n, address in enumerate(("2 avenue du Nord", "3 boulevard du Sud", "1 rue Proche")):
        day.plan(
            address, at=offset(4 - 4 * n, 1), window=(f"{9 + 2 * n:02d}:00", f"{10 + 2 * n:02d}:00")
        )
    one = day.pdf(driver="Awa Diallo")
    assert one.status_code == 200, one.text
    sizes = _sizes_of(one.content, "avenue du Nord")
    assert sizes
    assert min(sizes) >= 9
    text = _text(one.content)
    assert "Done" in text
    assert _boxes(one.content) == 3  # one per stop
    day.plan("4 rue En Plus", at=offset(1, 1), window=("15:00", "16:00"))
    assert _boxes(day.pdf().content) == 4


def test_the_driver_and_the_vehicle_are_named_or_left_to_write(day: Round) -> None:
    day.plan("2 avenue du Nord", at=offset(4, 0), window=("09:00", "10:00"))
    named = _text(day.pdf(driver="Awa Diallo").content)
    assert "Driver: Awa Diallo" in named
    assert "Vehicle: Van 1" in named
    blank = _text(day.pdf().content)
    assert "Driver: ________________________" in blank
    assert day.sheet(driver="Awa Diallo").json()["driver"] == "Awa Diallo"


def test_nothing_routed_says_so_rather_than_a_time(day: Round) -> None:
    day.plan("4 impasse Sans GPS", at=None, window=("09:00", "12:00"))
    sheet = day.sheet().json()
    assert sheet["stops"] == []
    assert sheet["departure"] is None
    text = _text(day.pdf().content)
    assert "Nothing is routed" in text
    assert "Leave the site at -" not in text
    assert "Leave the site at" not in text


def test_a_stop_at_its_communes_centre_is_flagged(day: Round) -> None:
    """The geocoder (off in tests) found nothing: the stop is routed from its commune's centre,
    and the driver is told the position is approximate."""
    booked = day.client.post(
        "/api/v1/pickups",
        json=_booking("9 rue Introuvable"),
        headers=auth_headers(day.settings, day.donor),
    )
    assert booked.json()["position_approximate"] is True
    scheduled = day.client.post(
        f"/api/v1/pickups/{booked.json()['id']}/schedule",
        json={"date": DAY, "site_id": day.workshop.site.id, "vehicle": "Van 1"},
        headers=auth_headers(day.settings, day.coordinator),
    )
    assert scheduled.status_code == 200
    (stop,) = day.sheet().json()["stops"]
    assert stop["position_approximate"] is True
    assert "Approximate position (commune centre)" in _text(day.pdf().content)
