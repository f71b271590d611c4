"""The counters of a scripted history equal the values worked out by hand, on both databases,
and the counts kept as events are written equal a full recomputation from the log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from collecte.core.events import number_events
from collecte.impact import counters, keeping
from collecte.impact.counters import Scope
from collecte.impact.factors import factor_set
from collecte.impact.facts import local_day
from tests.impact import scenario

FACTORS = factor_set("2026-12", 0.5)


def _read(db: Session, scope: Scope | None = None) -> counters.Impact:
    number_events(db)  # what the commit does: the counts are brought up to date
    return counters.read(db, scope or Scope(), FACTORS)


def test_scripted_history_counts_as_worked_out_by_hand(db: Session) -> None:
    run = scenario.run(db)
    impact = _read(db, Scope(workshop_id=run.flow.workshop.organization.id))
    assert impact.counters == scenario.EXPECTED


def test_kept_counts_equal_a_full_recomputation(db: Session) -> None:
    run = scenario.run(db)
    scope = Scope(workshop_id=run.flow.workshop.organization.id)
    kept = _read(db, scope)
    keeping.rebuild(db)
    assert counters.read(db, scope, FACTORS) == kept


def test_a_rebuild_that_flushes_its_sums_as_it_goes_counts_the_same(db: Session) -> None:
    run = scenario.run(db)
    scope = Scope(workshop_id=run.flow.workshop.organization.id)
    kept = _read(db, scope)
    keeping.rebuild(db, batch_size=1, flush_every=1)  # each fact's sums written, then added to
    assert counters.read(db, scope, FACTORS) == kept


def test_a_fact_counts_on_the_day_it_happened_in_france() -> None:
    # 00:15 in Paris on 1 May is still 30 April in UTC: a May period counts it.
    assert local_day(dt.datetime(2026, 4, 30, 22, 15, tzinfo=dt.UTC)) == dt.date(2026, 5, 1)
    # Winter time: 23:30 UTC on 31 December is already New Year's Day in Paris.
    assert local_day(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)) == dt.date(2026, 1, 1)
