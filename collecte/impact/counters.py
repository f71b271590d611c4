"""The impact counters and their breakdowns, read from the daily counts (``ImpactCount``).

A scope (``Scope``: a period and the organisations, site or territory it is limited to) selects
count rows; they are summed per category, since weights and emissions apply per category (the
factor file's typical weight for a device weighed at no point, its footprint); people equipped
are the distinct beneficiaries of the standing hand-overs in scope (``ImpactFact``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from collecte.impact.factors import FactorSet
from collecte.impact.facts import HANDED_OVER
from collecte.impact.models import MEASURES, ImpactCount, ImpactFact, ImpactRollup

# The counters, in DESIGN's order (the keys of every answer's ``counters``).
COUNTERS = (
    "collected",
    "collected_kg",
    "refurbished",
    "redistributed",
    "handed_over",
    "people_equipped",
    "recycled",
    "recycled_kg",
    "parts",
    "reuse_rate",
    "waste_avoided_kg",
    "co2e_avoided_kg",
    "integration_hours",
)
BREAKDOWNS = ("month", "donor", "partner", "site", "territory", "category")

Number = int | float | None


@dataclass(frozen=True)
class Scope:
    """What a figure covers: a period (local days, both ends included) and the limits set by the
    reader's role (``collecte.impact.policy``) and filters."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    donor_id: int | None = None
    partner_id: int | None = None
    site_id: int | None = None
    territory: str | None = None
    workshop_id: int | None = None


@dataclass
class Impact:
    scope: Scope
    factors: FactorSet
    counters: dict[str, Number]
    # Per breakdown, (key, counters) pairs: the month ("2026-03"), an organisation's or site's id,
    # a territory code, a category.
    breakdowns: dict[str, list[tuple[str | int, dict[str, Number]]]] = field(default_factory=dict)


def _where(model: type[ImpactCount] | type[ImpactFact], scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope.date_from is not None:
        conditions.append(model.day >= scope.date_from)
    if scope.date_to is not None:
        conditions.append(model.day <= scope.date_to)
    for name in ("donor_id", "partner_id", "site_id", "workshop_id", "territory"):
        value = getattr(scope, name)
        if value is not None:
            conditions.append(getattr(model, name) == value)
    return conditions


def _month(session: Session, day: InstrumentedAttribute[dt.date]) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(day, "YYYY-MM")
    return func.strftime("%Y-%m", day)


def _grouping(session: Session, model: Any, breakdown: str | None) -> ColumnElement[Any] | None:
    if breakdown is None:
        return None
    if breakdown == "month":
        return _month(session, model.day)
    if breakdown in ("territory", "category"):
        return getattr(model, breakdown)  # type: ignore[no-any-return]
    return getattr(model, f"{breakdown}_id")  # type: ignore[no-any-return]


def _sums(
    session: Session, scope: Scope, breakdown: str | None
) -> dict[Any, dict[str, dict[str, float]]]:
    """Measures summed per (breakdown key, category), over the pieces the period splits into."""
    sums: dict[Any, dict[str, dict[str, float]]] = defaultdict(dict)
    for statement in _statements(session, scope, breakdown):
        for row in session.execute(statement):
            mapping = row._mapping
            key = _month_key(mapping["key"]) if breakdown is not None else None
            into = sums[key].setdefault(mapping["category"], dict.fromkeys(MEASURES, 0.0))
            for name in MEASURES:
                into[name] += float(mapping[name] or 0)
    return sums


_ONE_DIMENSION = {"donor": "donor_id", "partner": "partner_id", "site": "site_id"}


def _dimensions(scope: Scope, breakdown: str | None) -> set[str]:
    """The dimensions a reading filters or breaks down by, beyond period, workshop, category."""
    used = {name for name, field in _ONE_DIMENSION.items() if getattr(scope, field) is not None}
    if scope.territory is not None:
        used.add("territory")
    if breakdown in (*_ONE_DIMENSION, "territory"):
        used.add(breakdown)
    return used


def _month_after(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _pieces(scope: Scope) -> tuple[list[tuple[dt.date | None, dt.date | None]], tuple[Any, Any]]:
    """The period as days read from the daily counts (the months it covers in part) and a range
    of whole months read from the rollups ((None, None) bounds are open; an empty range when
    first > last)."""
    start, end = scope.date_from, scope.date_to
    first = None if start is None else (start if start.day == 1 else _month_after(start))
    after = None if end is None else _month_after(end)
    last_whole = (
        None
        if end is None or after is None
        else (
            end.replace(day=1)
            if after - dt.timedelta(days=1) == end
            else (end.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        )
    )
    if first is not None and last_whole is not None and first > last_whole:
        return [(start, end)], (first, last_whole)  # within a month or two: days only
    days: list[tuple[dt.date | None, dt.date | None]] = []
    if start is not None and first is not None and first != start:
        days.append((start, first - dt.timedelta(days=1)))
    if end is not None and last_whole is not None and _month_after(last_whole) <= end:
        days.append((_month_after(last_whole), end))
    return days, (first, last_whole)


def _statements(session: Session, scope: Scope, breakdown: str | None) -> list[Select[Any]]:
    """The statements that sum a reading: the rollups for the whole months when it uses at most
    one dimension, the daily counts for the rest (every day when it uses two or more)."""
    dimensions = _dimensions(scope, breakdown)
    if len(dimensions) > 1:
        return [_daily(session, scope, breakdown)]
    days, (first, last) = _pieces(scope)
    statements = [
        _daily(session, replace(scope, date_from=low, date_to=high), breakdown)
        for low, high in days
    ]
    if first is None or last is None or first <= last:
        grain = next(iter(dimensions), "all")
        statements.append(_monthly(scope, breakdown, grain, first, last))
    return statements


def _measures() -> list[Any]:
    return [func.sum(getattr(ImpactCount, name)).label(name) for name in MEASURES]


def _daily(session: Session, scope: Scope, breakdown: str | None) -> Select[Any]:
    group = _grouping(session, ImpactCount, breakdown)
    keys: list[Any] = [ImpactCount.category]
    if group is not None:
        keys.insert(0, group.label("key"))
    return select(*keys, *_measures()).where(*_where(ImpactCount, scope)).group_by(*keys)


def _monthly(
    scope: Scope, breakdown: str | None, grain: str, first: dt.date | None, last: dt.date | None
) -> Select[Any]:
    model = ImpactRollup
    conditions: list[ColumnElement[bool]] = [model.grain == grain]
    if first is not None:
        conditions.append(model.month >= first)
    if last is not None:
        conditions.append(model.month <= last)
    if scope.workshop_id is not None:
        conditions.append(model.workshop_id == scope.workshop_id)
    if grain == "territory" and scope.territory is not None:
        conditions.append(model.territory == scope.territory)
    elif grain in _ONE_DIMENSION and getattr(scope, _ONE_DIMENSION[grain]) is not None:
        conditions.append(model.ref_id == getattr(scope, _ONE_DIMENSION[grain]))
    keys: list[Any] = [model.category]
    if breakdown is not None:
        column = {
            "month": model.month,
            "category": model.category,
            "territory": model.territory,
        }.get(breakdown, model.ref_id)
        keys.insert(0, column.label("key"))
    measures = [func.sum(getattr(model, name)).label(name) for name in MEASURES]
    return select(*keys, *measures).where(*conditions).group_by(*keys)


def _people(session: Session, scope: Scope, breakdown: str | None) -> dict[Any, int]:
    """Distinct beneficiaries (partner, pseudonym) of the standing hand-overs, per key (read
    from the people indexes of ``ImpactFact``)."""
    group = ImpactFact.month if breakdown == "month" else _grouping(session, ImpactFact, breakdown)
    keys: list[Any] = [ImpactFact.partner_id, ImpactFact.beneficiary_ref]
    if group is not None:
        keys.insert(0, group.label("key"))
    distinct = (
        select(*keys)
        .where(ImpactFact.fact == HANDED_OVER, *_where(ImpactFact, scope))
        .distinct()
        .subquery()
    )
    if group is None:
        return {None: session.scalar(select(func.count()).select_from(distinct)) or 0}
    statement = select(distinct.c.key, func.count()).group_by(distinct.c.key)
    return {_month_key(row[0]): row[1] for row in session.execute(statement)}


def _month_key(key: Any) -> Any:
    return key.strftime("%Y-%m") if isinstance(key, dt.date) else key


def counters_of(
    per_category: Mapping[str, Mapping[str, float]], people: int, factors: FactorSet
) -> dict[str, Number]:
    """The counters from measures summed per category."""

    def total(name: str) -> float:
        return sum(measures[name] for measures in per_category.values())

    def kilograms(prefix: str) -> float:
        return sum(
            measures[f"{prefix}_weighed_kg"]
            + measures[f"{prefix}_unweighed"] * factors.typical_weight(category)
            for category, measures in per_category.items()
        )

    collected = round(total("collected"))
    redistributed = round(total("redistributed"))
    co2e = sum(
        measures["redistributed"] * factors.avoided_kgco2e(category)
        for category, measures in per_category.items()
    )
    return {
        "collected": collected,
        "collected_kg": round(kilograms("collected"), 1),
        "refurbished": round(total("refurbished")),
        "redistributed": redistributed,
        "handed_over": round(total("handed_over")),
        "people_equipped": people,
        "recycled": round(total("recycled")),
        "recycled_kg": round(kilograms("recycled"), 1),
        "parts": round(total("parts")),
        "reuse_rate": round(redistributed / collected, 4) if collected else None,
        "waste_avoided_kg": round(kilograms("redistributed"), 1),
        "co2e_avoided_kg": round(co2e, 1),
        "integration_hours": round(total("integration_minutes") / 60, 2),
    }


def read(
    session: Session,
    scope: Scope,
    factors: FactorSet,
    breakdowns: Sequence[str] = BREAKDOWNS,
) -> Impact:
    """The counters of a scope, and its breakdowns."""
    overall = _sums(session, scope, None).get(None, {})
    impact = Impact(
        scope=scope,
        factors=factors,
        counters=counters_of(overall, _people(session, scope, None)[None], factors),
    )
    for breakdown in breakdowns:
        sums = _sums(session, scope, breakdown)
        people = _people(session, scope, breakdown)
        # A key whose counts all came back to 0 (a delivery, then its return) is not listed.
        shown = [key for key in sums if people.get(key) or _any(sums[key])]
        impact.breakdowns[breakdown] = [
            (key, counters_of(sums[key], people.get(key, 0), factors))
            for key in _ordered(shown, breakdown)
        ]
    return impact


def _any(per_category: Mapping[str, Mapping[str, float]]) -> bool:
    return any(abs(v) > 1e-9 for measures in per_category.values() for v in measures.values())


def _ordered(keys: Iterable[Any], breakdown: str) -> list[Any]:
    present = [key for key in keys if key not in (None, "", 0)]
    return sorted(present, key=str) if breakdown in ("month", "territory") else sorted(present)
