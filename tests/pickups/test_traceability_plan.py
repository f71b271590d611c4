"""A donor's tally by status is one GROUP BY read from ``ix_devices_donor_id_status`` alone, for the
traceability report and the donor's home alike (one tally per page), never a row per device."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.pickups.pages_donor import donor_portal
from collecte.pickups.reports import status_counts
from tests.factories.accounts import make_user


def _statements(db: Session, run: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(connection, "before_cursor_execute", note)
    return seen


def test_a_donors_tally_reads_the_index_alone(db: Session) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN (the embedded default)")
    donor: User = make_user(db, role=Role.DONOR)
    assert donor.organization_id is not None
    [(statement, parameters)] = _statements(
        db, lambda: status_counts(db, viewer=donor, donor_id=donor.organization_id)
    )
    assert "GROUP BY" in statement
    plan = " / ".join(
        row[-1]
        for row in db.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    )
    assert "USING COVERING INDEX ix_devices_donor_id_status" in plan, plan
    assert "SCAN devices" not in plan, plan


def test_the_donors_home_tallies_its_devices_once(db: Session) -> None:
    donor: User = make_user(db, role=Role.DONOR)
    seen = _statements(db, lambda: donor_portal(db, viewer=donor))
    reading_devices = [s for s, _ in seen if "FROM devices" in s]
    assert len(reading_devices) == 1, reading_devices
    assert "GROUP BY" in reading_devices[0]
