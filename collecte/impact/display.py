"""How the pages show impact figures: each counter's name, unit and definition (DESIGN's, in the
reader's language), figures in the reader's locale, breakdown tables and the charts drawn from an
answer. Called inside ``in_language`` so every word is the reader's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from babel.dates import format_date
from babel.numbers import format_percent
from markupsafe import Markup

from collecte.core import i18n
from collecte.core.vocabulary import N_, label
from collecte.impact import charts
from collecte.impact.schemas import BreakdownRow, Counters, ImpactOut


@dataclass(frozen=True)
class Card:
    """A counter as a card shows it: its name, unit ("", "kg", "co2", "rate", "hours") and
    definition."""

    key: str
    title: str
    unit: str
    definition: str


CARDS = (
    Card("collected", N_("Devices collected"), "", N_("Devices received at a workshop's intake.")),
    Card(
        "collected_kg",
        N_("Weight collected"),
        "kg",
        N_("Their weight (a typical weight for the category when none was recorded)."),
    ),
    Card(
        "refurbished",
        N_("Devices refurbished"),
        "",
        N_("Distinct devices that were made available for reuse at least once."),
    ),
    Card(
        "redistributed",
        N_("Devices redistributed"),
        "",
        N_("Distinct devices delivered to a partner and not returned since."),
    ),
    Card(
        "handed_over",
        N_("Devices handed over"),
        "",
        N_("Distinct devices handed over to a beneficiary and not returned since."),
    ),
    Card(
        "people_equipped",
        N_("People equipped"),
        "",
        N_("Distinct beneficiaries of those hand-overs."),
    ),
    Card("recycled", N_("Devices recycled"), "", N_("Devices whose exit is recycling.")),
    Card(
        "recycled_kg",
        N_("Weight recycled"),
        "kg",
        N_("Their weight at exit (else the device's weight)."),
    ),
    Card("parts", N_("Devices used for parts"), "", N_("Devices taken apart for spare parts.")),
    Card(
        "reuse_rate",
        N_("Reuse rate"),
        "rate",
        N_("Devices redistributed per device collected."),
    ),
    Card(
        "waste_avoided_kg",
        N_("Waste avoided"),
        "kg",
        N_("Weight of the devices redistributed."),
    ),
    Card(
        "co2e_avoided_kg",
        N_("Emissions avoided"),
        "co2",
        N_(
            "Manufacturing footprint of each device redistributed, times the share of them "
            "standing in for a new purchase."
        ),
    ),
    Card(
        "integration_hours",
        N_("Integration work"),
        "hours",
        N_("Hours of workshop work by people on an integration contract."),
    ),
)
# What one row of a breakdown is, heading its table's first column.
BREAKDOWN_ROWS = {
    "month": N_("Month"),
    "category": N_("Category"),
    "territory": N_("Département"),
    "donor": N_("Donor"),
    "partner": N_("Partner"),
    "site": N_("Site"),
}
BREAKDOWN_TITLES = {
    "month": N_("By month"),
    "category": N_("By category"),
    "territory": N_("By département"),
    "donor": N_("By donor"),
    "partner": N_("By partner"),
    "site": N_("By site"),
}
TABLE_COLUMNS = (
    "collected",
    "refurbished",
    "redistributed",
    "handed_over",
    "people_equipped",
    "co2e_avoided_kg",
)
FLOWS = ("collected", "redistributed", "handed_over")
FUNNEL = ("collected", "refurbished", "redistributed", "handed_over")


number = i18n.number  # a figure in the reader's locale (``1 234,5`` in French)


def share(value: float) -> str:
    """A ratio as a percentage in the reader's locale (``33 %``)."""
    return format_percent(value, locale=i18n.locale())


def figure_parts(value: float | None, unit: str) -> tuple[str, str]:
    """A counter's value and its unit, apart (the unit is shown smaller)."""
    if value is None:
        return "—", ""
    if unit == "rate":
        return share(value), ""
    if unit == "kg":
        return number(value), "kg"
    if unit == "co2":
        return number(value), "kg\u00a0CO₂e"
    if unit == "hours":
        return number(value), "h"
    return number(value, 0), ""


def figure(value: float | None, unit: str) -> str:
    """A counter's value with its unit."""
    shown, words = figure_parts(value, unit)
    return f"{shown}\u00a0{words}" if words else shown


def co2_short(kilograms: float) -> str:
    """Emissions short enough for a badge: in tonnes from 1,000 kg."""
    if kilograms >= 1000:
        return f"{number(kilograms / 1000)}\u00a0t\u00a0CO₂e"
    return figure(kilograms, "co2")


@dataclass(frozen=True)
class ShownCard:
    key: str
    title: str
    number: str
    unit: str
    definition: str

    @property
    def value(self) -> str:
        return f"{self.number}\u00a0{self.unit}" if self.unit else self.number


def cards(counters: Counters, keys: Sequence[str] | None = None) -> list[ShownCard]:
    """The counters as cards, in DESIGN's order (or only those named)."""
    values = counters.model_dump()
    return [
        ShownCard(
            card.key,
            i18n.gettext(card.title),
            *figure_parts(values[card.key], card.unit),
            i18n.gettext(card.definition),
        )
        for card in CARDS
        if keys is None or card.key in keys
    ]


def month_label(key: str, *, short: bool = False) -> str:
    """``2026-03`` as the reader says it: ``mars 2026`` (``mars 26`` when short)."""
    try:
        day = dt.date.fromisoformat(f"{key}-01")
    except ValueError:
        return key
    return format_date(day, "MMM yy" if short else "MMMM y", locale=i18n.locale())


def row_label(breakdown: str, row: BreakdownRow) -> str:
    """A breakdown row's name: a month, a category, a département, or the organisation's or
    site's name when the reader may see it (its number otherwise)."""
    if breakdown == "month":
        return month_label(str(row.key))
    if breakdown == "category":
        return label(row.key)
    if breakdown == "territory":
        return str(row.key)
    if row.name:
        return row.name
    return i18n.gettext("No. %(id)s") % {"id": row.key}


@dataclass(frozen=True)
class Table:
    breakdown: str
    title: str
    row_heading: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]


def tables(answer: ImpactOut) -> list[Table]:
    """One table per breakdown the reader gets, with the main counters."""
    titles = {card.key: i18n.gettext(card.title) for card in CARDS}
    units = {card.key: card.unit for card in CARDS}
    found = []
    for breakdown, rows in answer.breakdowns.items():
        found.append(
            Table(
                breakdown=breakdown,
                title=i18n.gettext(BREAKDOWN_TITLES[breakdown]),
                row_heading=i18n.gettext(BREAKDOWN_ROWS[breakdown]),
                columns=[titles[key] for key in TABLE_COLUMNS],
                rows=[
                    (
                        row_label(breakdown, row),
                        [figure(getattr(row.counters, key), units[key]) for key in TABLE_COLUMNS],
                    )
                    for row in rows
                ],
            )
        )
    return found


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    svg: Markup
    table: str | None  # the breakdown table giving the same figures


def _series(keys: Sequence[str]) -> list[str]:
    titles = {card.key: card.title for card in CARDS}
    return [i18n.gettext(titles[key]) for key in keys]


def dashboard_charts(answer: ImpactOut) -> list[Chart]:
    """The monthly flows, the funnel, the categories and the départements, as the reader may see
    them (a breakdown it does not get is not drawn)."""
    empty = i18n.gettext("No data for this selection.")
    see_table = i18n.gettext("The table below gives the same figures.")
    found = []
    months = answer.breakdowns.get("month")
    if months is not None:
        title = i18n.gettext("Devices collected, redistributed and handed over, by month")
        svg = charts.columns(
            [
                (month_label(str(r.key), short=True), [getattr(r.counters, k) for k in FLOWS])
                for r in months
            ],
            _series(FLOWS),
            chart_id="chart-month",
            title=title,
            description=see_table,
            empty=empty,
            fmt=lambda v: number(v, 0),
        )
        found.append(Chart("chart-month", title, svg, "month"))
    found.append(funnel_chart(answer.counters, chart_id="chart-funnel"))
    for breakdown, title_text in (
        ("category", N_("Devices collected and redistributed, by category")),
        ("territory", N_("Devices collected and redistributed, by département")),
    ):
        rows = answer.breakdowns.get(breakdown)
        if rows is None:
            continue
        title = i18n.gettext(title_text)
        svg = charts.bars(
            [
                (row_label(breakdown, r), [r.counters.collected, r.counters.redistributed])
                for r in rows
            ],
            _series(("collected", "redistributed")),
            chart_id=f"chart-{breakdown}",
            title=title,
            description=see_table,
            empty=empty,
            fmt=lambda v: number(v, 0),
        )
        found.append(Chart(f"chart-{breakdown}", title, svg, breakdown))
    return found


def funnel_chart(counters: Counters, *, chart_id: str) -> Chart:
    """Collected → refurbished → redistributed → handed over, each with its share of the first."""
    title = i18n.gettext("From collection to hand-over")
    steps = [(t, float(getattr(counters, k))) for t, k in zip(_series(FUNNEL), FUNNEL, strict=True)]
    description = ", ".join(f"{name}: {number(value, 0)}" for name, value in steps)
    svg = charts.funnel(
        steps,
        chart_id=chart_id,
        title=title,
        description=description,
        empty=i18n.gettext("No data for this selection."),
        fmt=lambda v: number(v, 0),
        share=share,
    )
    return Chart(chart_id, title, svg, None)
