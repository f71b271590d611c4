"""Property: whatever the events and however they are grouped into transactions, the counts kept
as they are written equal a full recomputation from the log (facts and daily counts alike)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.core.events import EventKind, Subject, number_events, record_event
from collecte.impact import counters
from collecte.impact.counters import BREAKDOWNS, Scope, counters_of
from collecte.impact.facts import HANDED_OVER, derive
from collecte.impact.keeping import key, tally
from collecte.impact.models import DIMENSIONS, MEASURES, ImpactCount, ImpactFact
from collecte.orgs.models import OrgKind
from tests.factories.accounts import make_organization
from tests.factories.devices import Workshop
from tests.impact.test_counters import FACTORS


@dataclass(frozen=True)
class World:
    devices: list[int]
    workshop_id: int
    site_id: int
    donors: list[int]
    partners: list[int]


@pytest.fixture
def world(db: Session) -> World:
    workshop = Workshop(db)
    devices = [workshop.receive(serial=f"P-{n}").id for n in range(3)]
    number_events(db)
    return World(
        devices=devices,
        workshop_id=workshop.organization.id,
        site_id=workshop.site.id,
        donors=[workshop.donor.id, make_organization(db, kind=OrgKind.DONOR).id],
        partners=[make_organization(db, kind=OrgKind.PARTNER).id for _ in range(2)],
    )


# (kind, new status): what a device's history may hold, in any order (the definitions must hold
# for any sequence, even one the lifecycle would refuse).
STEPS = [
    (EventKind.INTAKE, "received"),
    (EventKind.TRANSITION, "available"),
    (EventKind.TRANSITION, "graded"),
    (EventKind.DEALLOCATED, "available"),
    (EventKind.DELIVERED, "delivered"),
    (EventKind.RETURNED, "returned"),
    (EventKind.HANDED_OVER, "handed_over"),
    (EventKind.HANDOVER_UNDONE, "delivered"),
    (EventKind.TRANSITION, "recycled"),
    (EventKind.TRANSITION, "parts"),
    (EventKind.REPAIR, None),
    (EventKind.LABEL_PRINTED, None),
]
PAYLOADS: dict[EventKind, Any] = {
    EventKind.DEALLOCATED: {"reason": "x"},
    EventKind.DELIVERED: {"allocation_id": 1, "line_id": 1},
    EventKind.RETURNED: {"reason": "x"},
    EventKind.HANDED_OVER: {"handover_id": 1},
    EventKind.HANDOVER_UNDONE: {"reason": "x"},
}
# Moments around midnight in Paris and across a change of month and of daylight saving time.
MOMENT_LIST = [
    dt.datetime(2026, 3, 28, 22, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 4, 30, 22, 15, tzinfo=dt.UTC),
    dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 23, 45, tzinfo=dt.UTC),
]
MOMENTS = st.sampled_from(MOMENT_LIST)


@st.composite
def histories(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    """Transactions, each a list of events: which device, which step, its dimensions."""
    event = st.fixed_dictionaries(
        {
            "device": st.integers(0, 1),
            "step": st.integers(0, len(STEPS) - 1),
            "donor": st.integers(0, 1),
            "partner": st.integers(0, 1),
            "category": st.sampled_from(["laptop", "smartphone"]),
            "weight": st.one_of(st.none(), st.sampled_from([0.5, 1.25, 2.0])),
            "beneficiary": st.sampled_from(["B-1", "B-2"]),
            "minutes": st.integers(0, 120),
            "contract": st.booleans(),
            "at": MOMENTS,
        }
    )
    return draw(st.lists(st.lists(event, min_size=1, max_size=3), min_size=1, max_size=8))


def _write(db: Session, world: World, drawn: dict[str, Any]) -> None:
    kind, status = STEPS[drawn["step"]]
    payload = PAYLOADS.get(kind)
    if kind is EventKind.REPAIR:
        payload = {
            "minutes": drawn["minutes"],
            "parts": [],
            "integration_contract": drawn["contract"],
        }
    in_partner_flow = kind in (EventKind.DELIVERED, EventKind.HANDED_OVER, EventKind.RETURNED)
    record_event(
        db,
        kind=kind,
        subject=Subject.DEVICE,
        actor_id=None,
        payload=payload,
        occurred_at=drawn["at"],
        to_status=status,
        device_id=world.devices[drawn["device"]],
        workshop_id=world.workshop_id,
        site_id=world.site_id,
        territory="93",
        donor_id=world.donors[drawn["donor"]],
        partner_id=world.partners[drawn["partner"]] if in_partner_flow else None,
        beneficiary_ref=drawn["beneficiary"] if kind is EventKind.HANDED_OVER else None,
        category=drawn["category"],
        weight_kg=drawn["weight"],
    )


def _kept(db: Session) -> dict[tuple[Any, ...], dict[str, float]]:
    counts = {}
    for row in db.scalars(select(ImpactCount)):
        measures = {name: round(float(getattr(row, name)), 6) for name in MEASURES}
        if any(measures.values()):
            counts[tuple(getattr(row, name) for name in DIMENSIONS)] = measures
    return counts


def _recomputed(db: Session) -> dict[tuple[Any, ...], dict[str, float]]:
    changes = tally((fact, 1) for fact in derive(db))
    return {
        count_key: {name: round(value, 6) for name, value in measures.items()}
        for count_key, measures in changes.items()
        if any(measures.values())
    }


def _facts(db: Session) -> set[tuple[Any, ...]]:
    return {
        (row.event_id, row.fact, key_of(row), row.weight_kg, row.minutes, row.beneficiary_ref)
        for row in db.scalars(select(ImpactFact))
    }


def key_of(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in DIMENSIONS)


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI never flakes, and a failure replays
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories(), rolled_back=st.lists(st.booleans(), min_size=8, max_size=8))
def test_kept_counts_equal_a_full_recomputation(
    db: Session, world: World, history: list[list[dict[str, Any]]], rolled_back: list[bool]
) -> None:
    example = db.begin_nested()
    try:
        for transaction, undone in zip(history, rolled_back, strict=False):
            # Some transactions fail half-way: their savepoint is rolled back, events and all.
            attempt = db.begin_nested()
            for drawn in transaction:
                _write(db, world, drawn)
            if undone:
                attempt.rollback()
            else:
                attempt.commit()
            number_events(db)  # what the commit does
        assert _kept(db) == _recomputed(db)
        assert _facts(db) == {
            (f.event_id, f.fact, key(f), f.weight_kg, f.minutes, f.beneficiary_ref)
            for f in derive(db)
        }
    finally:
        example.rollback()


DAYS = [None, *(dt.date(2026, m, d) for m, d in [(3, 1), (3, 29), (3, 31), (4, 1), (4, 30)])]
DAYS += [dt.date(2026, 5, 1), dt.date(2026, 10, 25), dt.date(2026, 10, 26), dt.date(2026, 12, 31)]


def _reference(
    db: Session, scope: Scope, breakdown: str | None, facts: list[Any] | None = None
) -> dict[Any, Any]:
    """The counters of a scope straight from the facts derived from the log, filtered in Python."""
    chosen = [
        fact
        for fact in (derive(db) if facts is None else facts)
        if (scope.date_from is None or fact.day >= scope.date_from)
        and (scope.date_to is None or fact.day <= scope.date_to)
        and all(
            getattr(scope, name) is None or getattr(fact, name) == getattr(scope, name)
            for name in ("donor_id", "partner_id", "site_id", "workshop_id", "territory")
        )
    ]

    def key_for(fact: Any) -> Any:
        if breakdown is None:
            return None
        if breakdown == "month":
            return fact.day.strftime("%Y-%m")
        if breakdown in ("territory", "category"):
            return getattr(fact, breakdown)
        return getattr(fact, f"{breakdown}_id")

    grouped: dict[Any, list[Any]] = {}
    for fact in chosen:
        grouped.setdefault(key_for(fact), []).append(fact)
    answer = {}
    for group_key, group in grouped.items():
        if group_key in (0, ""):
            continue
        per_category: dict[str, dict[str, float]] = {}
        for count_key, measures in tally((fact, 1) for fact in group).items():
            into = per_category.setdefault(count_key[-1], dict.fromkeys(MEASURES, 0.0))
            for name, value in measures.items():
                into[name] += value
        people = len({(f.partner_id, f.beneficiary_ref) for f in group if f.fact == HANDED_OVER})
        answer[group_key] = counters_of(per_category, people, FACTORS)
    return answer


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=histories(),
    start=st.sampled_from(DAYS),
    end=st.sampled_from(DAYS),
    filters=st.fixed_dictionaries(
        {
            "donor": st.sampled_from([None, 0, 1]),
            "partner": st.sampled_from([None, 0, 1]),
            "territory": st.sampled_from([None, "93", "75"]),
            "site": st.booleans(),
            "workshop": st.booleans(),
        }
    ),
)
def test_any_scope_reads_what_the_facts_say(
    db: Session,
    world: World,
    history: list[list[dict[str, Any]]],
    start: dt.date | None,
    end: dt.date | None,
    filters: dict[str, Any],
) -> None:
    """Whichever counts a reading takes (monthly rollups for whole months, daily counts for the
    rest), each counter and breakdown equals the facts filtered by hand."""
    if start is not None and end is not None and start > end:
        start, end = end, start
    scope = Scope(
        date_from=start,
        date_to=end,
        donor_id=None if filters["donor"] is None else world.donors[filters["donor"]],
        partner_id=None if filters["partner"] is None else world.partners[filters["partner"]],
        territory=filters["territory"],
        site_id=world.site_id if filters["site"] else None,
        workshop_id=world.workshop_id if filters["workshop"] else None,
    )
    example = db.begin_nested()
    try:
        for transaction in history:
            for drawn in transaction:
                _write(db, world, drawn)
            number_events(db)
        impact = counters.read(db, scope, FACTORS)
        overall = _reference(db, scope, None).get(None, counters_of({}, 0, FACTORS))
        assert impact.counters == overall
        for breakdown in BREAKDOWNS:
            assert dict(impact.breakdowns[breakdown]) == _reference(db, scope, breakdown), breakdown
    finally:
        example.rollback()


def test_every_period_and_filter_reads_what_the_facts_say(db: Session, world: World) -> None:
    """Exhaustively, on one history: every pair of period bounds (month starts and ends, days
    inside a month, across daylight saving time) with no, one and two filters."""
    rng = random.Random(20261207)
    for _ in range(60):
        kind = rng.randrange(len(STEPS))
        _write(db, world, {
            "device": rng.randrange(2), "step": kind, "donor": rng.randrange(2),
            "partner": rng.randrange(2), "category": rng.choice(["laptop", "smartphone"]),
            "weight": rng.choice([None, 1.25]), "beneficiary": rng.choice(["B-1", "B-2"]),
            "minutes": 30, "contract": True, "at": rng.choice(MOMENT_LIST),
        })  # fmt: skip
        if rng.random() < 0.3:
            number_events(db)
    number_events(db)
    facts = list(derive(db))
    limits: list[dict[str, Any]] = [
        {},
        {"donor_id": world.donors[0]},
        {"partner_id": world.partners[1]},
        {"site_id": world.site_id},
        {"territory": "93"},
        {"workshop_id": world.workshop_id},
        {"territory": "93", "partner_id": world.partners[1]},
    ]
    for start, end, limit in itertools.product(DAYS, DAYS, limits):
        if start is not None and end is not None and start > end:
            continue
        scope = Scope(date_from=start, date_to=end, **limit)
        impact = counters.read(db, scope, FACTORS)
        overall = _reference(db, scope, None, facts).get(None, counters_of({}, 0, FACTORS))
        assert impact.counters == overall, scope
        for breakdown in BREAKDOWNS:
            expected = _reference(db, scope, breakdown, facts)
            assert dict(impact.breakdowns[breakdown]) == expected, (scope, breakdown)
