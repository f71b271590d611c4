"""A donor's tally by status is one GROUP BY read from ``ix_devices_donor_id_status`` alone, for the
traceability report and the donor's home alike (one tally per page), never a row per device."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.pickups import pages_board
from collecte.pickups.pages_donor import donor_portal
from collecte.pickups.reports import status_counts
from tests.dbutil import statements_of
from tests.factories.accounts import make_user


def test_a_donors_tally_reads_the_index_alone(db: Session) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN (the embedded default)")
    donor: User = make_user(db, role=Role.DONOR)
    donor_id = donor.organization_id
    assert donor_id is not None
    [(statement, parameters)] = statements_of(
        db, lambda: status_counts(db, viewer=donor, donor_id=donor_id)
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
    seen = statements_of(db, lambda: donor_portal(db, viewer=donor))
    reading_devices = [s for s, _ in seen if "FROM devices" in s]
    assert len(reading_devices) == 1, reading_devices
    assert "GROUP BY" in reading_devices[0]


@pytest.mark.parametrize("dated", [False, True])
def test_the_board_counts_its_columns_with_one_group_by(db: Session, dated: bool) -> None:
    coordinator: User = make_user(db, role=Role.COORDINATOR)
    params = dict.fromkeys(
        ("status", "date_from", "date_to", "area", "site_id", "vehicle", "q"), ""
    )
    if dated:
        params["date_from"] = "2026-01-01"
    filters = pages_board._filters(params)
    query = pages_board._filtered(coordinator, filters)
    seen = statements_of(db, lambda: pages_board._columns(db, query, filters))
    counting = [s for s, _ in seen if "count(" in s.lower()]
    assert len(counting) == 1, counting
    assert "GROUP BY" in counting[0]
