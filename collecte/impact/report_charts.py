"""The impact report's charts, drawn with reportlab's graphics (vectors, no image library).

Each function takes figures already counted and returns a flowable: the chart, or a sentence
saying there is nothing to draw (an empty frame of axes reads as a broken report). Labels are in
the current language (``collecte.core.pdf.in_language``), numbers formatted for its locale.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence

from babel.dates import format_date
from reportlab.graphics.charts.barcharts import BarChart, HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from collecte.core import i18n
from collecte.core.i18n import gettext as _
from collecte.core.pdf import SMALL, number, paragraph
from collecte.core.vocabulary import N_, label
from collecte.impact.counters import Number

WIDTH = A4[0] - 30 * mm  # the page's frame
FONT = "Helvetica"
COLOURS = {
    "collected": colors.HexColor("#5b7c99"),
    "refurbished": colors.HexColor("#8fb3a1"),
    "redistributed": colors.HexColor("#2e7d4f"),
    "handed_over": colors.HexColor("#e39b3b"),
}
# Their own words: the statuses' labels ("Collected" is a pickup's) read wrong in French here.
SERIES = {
    "collected": N_("Collected devices"),
    "refurbished": N_("Refurbished devices"),
    "redistributed": N_("Redistributed devices"),
    "handed_over": N_("Devices handed over"),
}
NO_DATA = N_("No data for this period.")

Rows = Sequence[tuple[str | int, Mapping[str, Number]]]


def _value(values: Mapping[str, Number], name: str) -> float:
    return float(values.get(name) or 0)


def _empty() -> Flowable:
    return paragraph(_(NO_DATA), SMALL)


def _step(top: float) -> float:
    """A round step giving at most about five gridlines up to top (1, 2, 5, 10, 20, 50…)."""
    raw = max(top, 1) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * magnitude:
            return max(1.0, float(multiple * magnitude))
    return float(10 * magnitude)  # not reached: raw <= 10 * magnitude


def _axes(chart: BarChart, series: Sequence[Sequence[float]], names: Sequence[str]) -> None:
    """Counts from 0 in whole steps, category names, the bars' own values printed on them."""
    top = max((v for values in series for v in values), default=0)
    step = _step(top)
    chart.data = [list(values) for values in series]
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueStep = step
    chart.valueAxis.valueMax = math.ceil(max(top, 1) * 1.15 / step) * step
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda value: number(value, digits=0)
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dde3e8")
    chart.categoryAxis.categoryNames = list(names)
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.barLabelFormat = lambda value: number(value, digits=0) if value else ""
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6.5
    chart.barSpacing = 1
    chart.groupSpacing = 6


def _legend(drawing: Drawing, names: Sequence[str], *, x: float, y: float) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 80
    legend.fontName = FONT
    legend.fontSize = 7
    legend.boxAnchor = "nw"
    legend.dx = legend.dy = 6
    legend.colorNamePairs = [(COLOURS[name], _(SERIES[name])) for name in names]
    drawing.add(legend)


def _month(key: str) -> str:
    year, month = (int(part) for part in key.split("-"))
    locale = i18n.locale()
    return format_date(dt.date(year, month, 1), "MMM y", locale=locale)


def _grouped_bars(
    rows: Rows,
    names: Sequence[str],
    label_of: Callable[[str], str] | None,
    *,
    height: float = 62 * mm,
) -> Flowable:
    """Vertical bars, one group per row (month, territory), one bar per series."""
    if not any(_value(values, name) for _key, values in rows for name in names):
        return _empty()
    drawing = Drawing(WIDTH, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 14 * mm
    # A few groups keep a reading width (one month is not a 17 cm slab); many share the page.
    group = 12 * mm * len(names) + 10 * mm
    chart.width = min(WIDTH - 16 * mm, max(len(rows), 1) * group)
    chart.height = height - 24 * mm
    keys = [str(key) for key, _values in rows]
    labels = [label_of(key) for key in keys] if label_of else keys
    _axes(chart, [[_value(values, n) for _k, values in rows] for n in names], labels)
    chart.barLabels.nudge = 5
    if len(rows) * len(names) > 24:  # the bars' own figures would run into each other
        chart.barLabelFormat = None
    if len(rows) > 8 and max(map(len, labels)) > 4:  # crowded names slant to keep apart
        chart.categoryAxis.labels.angle = 35
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.categoryAxis.labels.dy = -2
    else:
        chart.categoryAxis.labels.dy = -3
    for index, name in enumerate(names):
        chart.bars[index].fillColor = COLOURS[name]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    _legend(drawing, names, x=12 * mm, y=height - 1 * mm)
    return drawing


def monthly_flows(rows: Rows) -> Flowable:
    """Devices collected, redistributed and handed over, month by month."""
    return _grouped_bars(rows, ("collected", "redistributed", "handed_over"), _month)


def territories(rows: Rows) -> Flowable:
    """Devices collected and redistributed per département."""
    return _grouped_bars(rows, ("collected", "redistributed"), None, height=52 * mm)


def funnel(counters: Mapping[str, Number], *, width: float = WIDTH / 2 - 2 * mm) -> Flowable:
    """From collected to handed over: one horizontal bar per stage, the first on top."""
    stages = ("collected", "refurbished", "redistributed", "handed_over")
    if not any(_value(counters, stage) for stage in stages):
        return _empty()
    height = 46 * mm
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 34 * mm, 8 * mm
    chart.width, chart.height = width - 42 * mm, height - 12 * mm
    _axes(chart, [[_value(counters, s) for s in stages]], [_(SERIES[s]) for s in stages])
    chart.categoryAxis.reverseDirection = 1
    chart.categoryAxis.labels.dx = -3
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.bars.strokeColor = None
    for index, stage in enumerate(stages):
        chart.bars[(0, index)].fillColor = COLOURS[stage]
    drawing.add(chart)
    return drawing


def categories(rows: Rows, *, width: float = WIDTH / 2 - 2 * mm) -> Flowable:
    """Devices collected and redistributed per category, one pair of bars each."""
    # The first series is drawn lowest in each group: reversed, collected reads first.
    names = ("redistributed", "collected")
    if not any(_value(values, name) for _key, values in rows for name in names):
        return _empty()
    height = max(46 * mm, (len(rows) * 9 + 20) * mm)
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 28 * mm, 8 * mm
    chart.width, chart.height = width - 36 * mm, height - 20 * mm
    _axes(
        chart,
        [[_value(values, n) for _k, values in rows] for n in names],
        [label(key) for key, _values in rows],
    )
    chart.categoryAxis.reverseDirection = 1
    chart.categoryAxis.labels.dx = -3
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    for index, name in enumerate(names):
        chart.bars[index].fillColor = COLOURS[name]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    _legend(drawing, names[::-1], x=28 * mm, y=height - 1 * mm)
    return drawing
