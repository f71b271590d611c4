"""Measuring ``bench.impact``: the scopes, Collecte's readings and the floor's statement."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Connection, NullPool, create_engine, event
from sqlalchemy.engine import Engine

from bench._common import autocommit
from bench._impact_seed import Seeded
from bench._impact_world import RUNS, TARGET_MS
from collecte import models as _all_models  # noqa: F401 (every table known before the first flush)
from collecte.core.db import make_engine, make_sessionmaker
from collecte.impact import counters
from collecte.impact.counters import BREAKDOWNS, Scope
from collecte.impact.factors import factor_set

# --- measuring -----------------------------------------------------------------------------------


def scopes(url: str) -> dict[str, Scope]:
    """The scopes measured: the biggest donor, partner, site, territory and workshop."""
    with autocommit(url) as connection:

        def biggest(column: str, where: str = "kind = 'intake'") -> Any:
            return connection.exec_driver_sql(
                f"SELECT {column} FROM events WHERE {where} GROUP BY {column} "  # noqa: S608 (ours)
                f"ORDER BY count(*) DESC, {column} LIMIT 1"
            ).scalar()

        donor = int(biggest("donor_id"))
        partner = int(biggest("partner_id", "kind = 'delivered'"))
        site = int(biggest("site_id"))
        territory = str(biggest("territory"))
        workshop = int(biggest("workshop_id"))
    return {
        "whole network": Scope(),
        f"donor {donor}": Scope(donor_id=donor),
        f"partner {partner}": Scope(partner_id=partner),
        f"site {site}": Scope(site_id=site),
        f"territory {territory}": Scope(territory=territory),
        f"workshop {workshop}": Scope(workshop_id=workshop),
        "year 2025": Scope(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31)),
        "2025-03-17 → 2025-11-04": Scope(
            date_from=dt.date(2025, 3, 17), date_to=dt.date(2025, 11, 4)
        ),
        f"year 2024, donor {donor}": Scope(
            date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31), donor_id=donor
        ),
    }


FLOOR = """
SELECT category,
  count(*) FILTER (WHERE kind = 'intake') AS collected,
  coalesce(sum(weight_kg) FILTER (WHERE kind = 'intake'), 0) AS collected_weighed_kg,
  count(DISTINCT device_id) FILTER (WHERE to_status = 'available') AS refurbished,
  count(DISTINCT device_id) FILTER (WHERE kind = 'delivered') AS redistributed,
  count(DISTINCT device_id) FILTER (WHERE kind = 'handed_over') AS handed_over,
  count(DISTINCT (partner_id, beneficiary_ref)) FILTER (WHERE kind = 'handed_over') AS people,
  count(*) FILTER (WHERE to_status = 'recycled') AS recycled,
  coalesce(sum(weight_kg) FILTER (WHERE to_status = 'recycled'), 0) AS recycled_weighed_kg,
  count(*) FILTER (WHERE to_status = 'parts') AS parts,
  coalesce(sum((payload ->> 'minutes')::int) FILTER (WHERE kind = 'repair'
    AND (payload ->> 'integration_contract')::boolean), 0) AS integration_minutes
FROM events
WHERE device_id IS NOT NULL {where}
GROUP BY category
"""


def floor_statement(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The floor's one statement for a scope, filtered on the events' own columns (local days)."""
    conditions, parameters = [], {}
    if scope.date_from is not None:
        conditions.append(
            "occurred_at >= (%(date_from)s::date)::timestamp AT TIME ZONE 'Europe/Paris'"
        )
        parameters["date_from"] = scope.date_from
    if scope.date_to is not None:
        conditions.append(
            "occurred_at < (%(date_to)s::date + 1)::timestamp AT TIME ZONE 'Europe/Paris'"
        )
        parameters["date_to"] = scope.date_to
    for name in ("donor_id", "partner_id", "site_id", "workshop_id", "territory"):
        value = getattr(scope, name)
        if value is not None:
            conditions.append(f"{name} = %({name})s")
            parameters[name] = value
    where = "".join(f" AND {condition}" for condition in conditions)
    return FLOOR.format(where=where), parameters


@dataclass
class Statements:
    """The statements an engine runs (a before_cursor_execute listener), with their time."""

    log: list[tuple[str, Any, float]] = field(default_factory=list)
    recording: bool = False
    _started: float = 0.0

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.recording:
            self.log.append((statement, parameters, (time.perf_counter() - self._started) * 1000))


@dataclass(frozen=True)
class Measured:
    scope: str
    dashboard_ms: float
    counters_ms: float
    floor_ms: float
    statements: list[tuple[str, Any, float]]  # the dashboard's statements (one more run)
    load: float  # the machine's load average (1 min) as the scope was measured

    @property
    def slowest(self) -> tuple[str, Any, float]:
        return max(self.statements, key=lambda entry: entry[2])

    @property
    def passed(self) -> bool:
        """The issue's target: the dashboard's counters under 200 ms, whatever the filters (the
        whole dashboard, with its six breakdowns, is reported beside them)."""
        return self.counters_ms < TARGET_MS


def _median_ms(call: Callable[[], object], runs: int = RUNS) -> float:
    call()  # the warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(url: str, named: dict[str, Scope]) -> tuple[list[Measured], dict[str, Any]]:
    engine = make_engine(url)
    statements = Statements()
    statements.attach(engine)
    sessions = make_sessionmaker(engine)
    factors = factor_set(None, 0.5)
    floor_engine = create_engine(url, poolclass=NullPool)
    results: list[Measured] = []
    check: dict[str, Any] = {}

    def read(scope: Scope, breakdowns: Sequence[str]) -> counters.Impact:
        with sessions() as session, session.begin():
            return counters.read(session, scope, factors, breakdowns)

    try:
        with floor_engine.connect() as floor:
            for name, scope in named.items():
                dashboard_ms = _median_ms(partial(read, scope, BREAKDOWNS))
                statements.recording, statements.log = True, []
                impact = read(scope, BREAKDOWNS)
                statements.recording = False
                ran = statements.log
                counters_ms = _median_ms(partial(read, scope, ()))
                sql, parameters = floor_statement(scope)
                floor_ms = _median_ms(partial(_fetch, floor, sql, parameters))
                if name == "whole network":
                    rows = floor.exec_driver_sql(sql, parameters).mappings().all()
                    check = {
                        "collecte": impact.counters,
                        "floor": {
                            key: sum(float(row[key]) for row in rows)
                            for key in rows[0]
                            if key != "category"
                        },
                    }
                load = os.getloadavg()[0]
                measured = Measured(name, dashboard_ms, counters_ms, floor_ms, ran, load)
                results.append(measured)
                print(
                    f"impact: {name:28} dashboard {dashboard_ms:8.1f} ms  counters "
                    f"{counters_ms:8.1f} ms  floor {floor_ms:9.1f} ms  "
                    f"{'PASS' if measured.passed else 'FAIL'}  (load {load:.1f})",
                    flush=True,
                )
    finally:
        floor_engine.dispose()
        engine.dispose()
    return results, check


def _fetch(connection: Connection, sql: str, parameters: dict[str, Any]) -> object:
    return connection.exec_driver_sql(sql, parameters).all()


def explain(url: str, statement: str, parameters: Any) -> str:
    with autocommit(url) as connection:
        rows = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
        ).all()
    return "\n".join(str(row[0]) for row in rows)


def sizes(url: str) -> dict[str, tuple[int, float]]:
    with autocommit(url) as connection:
        return {
            table: (
                int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0),  # noqa: S608
                float(
                    connection.exec_driver_sql(f"SELECT pg_total_relation_size('{table}')").scalar()
                    or 0
                )
                / 2**20,
            )
            for table in ("events", "devices", "impact_facts", "impact_counts", "impact_rollups")
        }


def database_counts(url: str) -> Seeded:
    with autocommit(url) as connection:
        devices = connection.exec_driver_sql("SELECT count(*) FROM devices").scalar()
        events = connection.exec_driver_sql("SELECT count(*) FROM events").scalar()
    return Seeded(int(devices or 0), int(events or 0))
