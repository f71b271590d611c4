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
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from collecte.impact.factors import FactorSet
from collecte.impact.facts import HANDED_OVER
from collecte.impact.models import MEASURES, ImpactCount, ImpactFact

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
    """Measures summed per (breakdown key, category)."""
    group = _grouping(session, ImpactCount, breakdown)
    columns = [func.sum(getattr(ImpactCount, name)).label(name) for name in MEASURES]
    keys: list[Any] = [ImpactCount.category]
    if group is not None:
        keys.insert(0, group.label("key"))
    statement: Select[Any] = (
        select(*keys, *columns).where(*_where(ImpactCount, scope)).group_by(*keys)
    )
    sums: dict[Any, dict[str, dict[str, float]]] = defaultdict(dict)
    for row in session.execute(statement):
        mapping = row._mapping
        key = mapping["key"] if group is not None else None
        sums[key][mapping["category"]] = {name: float(mapping[name] or 0) for name in MEASURES}
    return sums


def _people(session: Session, scope: Scope, breakdown: str | None) -> dict[Any, int]:
    """Distinct beneficiaries (partner, pseudonym) of the standing hand-overs, per key."""
    group = _grouping(session, ImpactFact, breakdown)
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
    return {row[0]: row[1] for row in session.execute(statement)}


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
        impact.breakdowns[breakdown] = [
            (key, counters_of(sums[key], people.get(key, 0), factors))
            for key in _ordered(sums, breakdown)
        ]
    return impact


def _ordered(keys: Iterable[Any], breakdown: str) -> list[Any]:
    present = [key for key in keys if key not in (None, "", 0)]
    return sorted(present, key=str) if breakdown in ("month", "territory") else sorted(present)
