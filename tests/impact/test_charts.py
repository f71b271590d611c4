"""The SVG charts: well-formed, bars proportional to their figures, a sentence instead of an empty
chart, every text escaped, and nothing that runs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from markupsafe import Markup

from collecte.impact import charts

SVG = "{http://www.w3.org/2000/svg}"
WORDS: dict[str, Any] = {
    "title": "Flows",
    "description": "Devices per month",
    "empty": "No data yet",
}


def _svg(markup: Markup) -> ET.Element:
    assert "<script" not in markup.lower()
    return ET.fromstring(str(markup))  # noqa: S314 (our own markup: well-formed, or this raises)


def _bars(root: ET.Element) -> list[tuple[float, float]]:
    """(value, drawn length) of each bar: the width in %, or the height of a column."""
    found = []
    for rect in root.iter(f"{SVG}rect"):
        if "data-value" not in rect.attrib:
            continue
        width = rect.attrib["width"]
        length = float(width[:-1]) if width.endswith("%") else float(rect.attrib["height"])
        found.append((float(rect.attrib["data-value"]), length))
    return found


def _proportional(found: list[tuple[float, float]]) -> None:
    ratio = max(length for _, length in found) / max(value for value, _ in found)
    # drawn to 0.01 (a hundredth of a per cent or of a pixel)
    assert all(length == pytest.approx(value * ratio, abs=0.01) for value, length in found), found
    assert all(length == 0 for value, length in found if not value)


def test_columns_are_as_tall_as_their_figures_on_a_nice_axis() -> None:
    groups = [("janv. 26", [10, 4, 2]), ("févr. 26", [7, 0, 1]), ("mars 26", [3, 3, 3])]
    root = _svg(
        charts.columns(groups, ["Collected", "Redistributed", "Handed over"], chart_id="m", **WORDS)
    )
    found = _bars(root)
    assert [value for value, _ in found] == [10, 4, 2, 7, 0, 1, 3, 3, 3]
    _proportional(found)
    assert max(length for _, length in found) == 160  # 10 tops the axis (0, 5, 10)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Collected", "Redistributed", "Handed over", "janv. 26", "10", "0"} <= set(texts)
    assert root.find(f"{SVG}title").text == "Flows"  # type: ignore[union-attr]
    assert root.attrib["role"] == "img"
    # the second and third series are told apart by a pattern, not by colour alone
    fills = {rect.attrib["fill"] for rect in root.iter(f"{SVG}rect") if "data-value" in rect.attrib}
    assert fills == {charts.COLOURS[0], "url(#m-p1)", "url(#m-p2)"}
    assert {p.attrib["id"] for p in root.iter(f"{SVG}pattern")} == {"m-p1", "m-p2"}


def test_bars_are_as_long_as_their_figures_and_leave_out_empty_rows() -> None:
    rows = [("Laptop", [40, 10]), ("Printer", [0, 0]), ("Smartphone", [20, 5])]
    root = _svg(charts.bars(rows, ["Collected", "Redistributed"], chart_id="c", **WORDS))
    found = _bars(root)
    assert [value for value, _ in found] == [40, 10, 20, 5]
    _proportional(found)
    assert max(length for _, length in found) == charts.BAR_SHARE
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Printer" not in texts
    assert {"Laptop", "Smartphone", "40", "5"} <= set(texts)


def test_the_funnel_narrows_with_its_steps_and_gives_each_share_of_the_first() -> None:
    steps = [("Collected", 200.0), ("Refurbished", 120.0), ("Redistributed", 100.0)]
    markup = charts.funnel(steps, chart_id="f", share=lambda r: f"{r:.0%}", **WORDS)
    root = _svg(markup)
    found = _bars(root)
    _proportional(found)
    assert found[0][1] == 100
    assert "(50%)" in markup
    assert "(60%)" in markup


@pytest.mark.parametrize(
    "draw",
    [
        lambda: charts.columns([], ["A"], chart_id="x", **WORDS),
        lambda: charts.columns([("m", [0, 0])], ["A", "B"], chart_id="x", **WORDS),
        lambda: charts.bars([("Laptop", [0])], ["A"], chart_id="x", **WORDS),
        lambda: charts.funnel([("Collected", 0)], chart_id="x", **WORDS),
        lambda: charts.funnel([], chart_id="x", **WORDS),
    ],
)
def test_nothing_to_draw_says_so_instead_of_an_empty_chart(draw: object) -> None:
    markup = draw()  # type: ignore[operator]
    assert markup == Markup('<p class="no-data">No data yet</p>')


def test_every_text_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & "quotes"'
    words: dict[str, Any] = {"title": hostile, "description": hostile, "empty": hostile}
    for markup in (
        charts.columns([(hostile, [1])], [hostile], chart_id="e", **words),
        charts.bars([(hostile, [1, 2])], [hostile, "B"], chart_id="e", **words),
        charts.funnel([(hostile, 1)], chart_id="e", fmt=lambda _: hostile, **words),
        charts.bars([], ["A"], chart_id="e", **words),
    ):
        assert "<script>" not in markup
        assert "&lt;script&gt;" in markup
    root = _svg(charts.bars([(hostile, [1])], ["A"], chart_id="e", **words))
    assert hostile in [t.text for t in root.iter(f"{SVG}text")]


def test_the_axis_ticks_are_round_whole_numbers() -> None:
    steps = [charts._tick_step(v) for v in (0, 1, 3, 4, 5, 7, 12, 22, 240, 1900)]
    assert steps == [1, 1, 1, 1, 2, 2, 5, 10, 100, 500]
    root = _svg(charts.columns([("m", [22, 3])], ["A", "B"], chart_id="t", **WORDS))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.attrib.get("text-anchor") == "end"]
    assert ticks == ["0", "10", "20", "30"]
