"""The counters of a scripted history equal the values worked out by hand, on both databases,
and the counts kept as events are written equal a full recomputation from the log."""

from __future__ import annotations

from sqlalchemy.orm import Session

from collecte.core.events import number_events
from collecte.impact import counters, keeping
from collecte.impact.counters import Scope
from collecte.impact.factors import factor_set
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
