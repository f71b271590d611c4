"""Seeding ``bench.impact``'s database: COPY of the simulation, indexes, the product's rebuild."""

from __future__ import annotations

import contextlib
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.progress import Progress
from sqlalchemy import NullPool, create_engine

from bench._common import autocommit
from bench._impact_simulation import Simulation
from bench._impact_world import DEVICE_COLUMNS, EVENT_COLUMNS, Network, _network
from collecte import models as _all_models  # noqa: F401 (every table known before the first flush)

# --- seeding -------------------------------------------------------------------------------------


@dataclass
class Phases:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
        print(f"impact: {name}: {self.seconds[name]:.1f} s", flush=True)


def _set_aside(connection: Any, table: str) -> list[str]:
    """Drop a table's foreign keys, unique constraints and secondary indexes (loaded faster
    without); the statements that restore them."""
    cursor = connection.cursor()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
        (table,),
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        (table, table),
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]


def _filler_for(network: Network, events_per_device: float) -> float:
    """The extra workshop events per device that bring the total to the target (a pilot run)."""
    pilot = Simulation(network, 20_000, 0.0, None)
    pilot.run()
    return max(0.0, events_per_device - pilot.events / pilot.devices)


@dataclass(frozen=True)
class Seeded:
    devices: int
    events: int


def seed(url: str, devices: int, events_per_device: float, phases: Phases) -> Seeded:
    rng = random.Random(2026)
    with phases.timed("organisations (services)"):
        network = _network(url, rng)
        filler = _filler_for(network, events_per_device)
    engine = create_engine(url, poolclass=NullPool)
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        cursor = connection.cursor()
        restore = _set_aside(connection, "events") + _set_aside(connection, "devices")
        raw.commit()
        with phases.timed("simulate + COPY events"), Progress() as progress:
            task = progress.add_task("events", total=round(devices * events_per_device))
            with cursor.copy(f"COPY events ({EVENT_COLUMNS}) FROM STDIN") as copy:
                simulation = Simulation(network, devices, filler, copy.write)
                simulation.run(lambda _day, events: progress.update(task, completed=events))
        with phases.timed("COPY devices"), Progress() as progress:
            task = progress.add_task("devices", total=devices)
            with cursor.copy(f"COPY devices ({DEVICE_COLUMNS}) FROM STDIN") as copy:
                chunk: list[str] = []
                for n, row in enumerate(simulation.device_rows(), start=1):
                    chunk.append(row)
                    if len(chunk) >= 10_000:
                        copy.write("".join(chunk))
                        chunk.clear()
                        progress.update(task, completed=n)
                copy.write("".join(chunk))
        cursor.execute("SELECT setval('devices_id_seq', %s)", (devices,))
        cursor.execute("SELECT setval('events_id_seq', %s)", (simulation.events,))
        cursor.execute("UPDATE event_sequence SET last = %s WHERE id = 1", (simulation.events,))
        raw.commit()
        with phases.timed("indexes and constraints"):
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for statement in restore:
                cursor.execute(statement)
            raw.commit()
    finally:
        raw.close()
        engine.dispose()
    with phases.timed("VACUUM ANALYZE"), autocommit(url) as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return Seeded(devices, simulation.events)


_REBUILD = """
import resource, sys, time
from collecte import models
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.impact import keeping
engine = make_engine(sys.argv[1])
started = time.perf_counter()
with session_scope(make_sessionmaker(engine)) as session:
    facts = keeping.rebuild(session)
print(facts, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@dataclass(frozen=True)
class Rebuilt:
    facts: int
    seconds: float
    peak_rss_mb: float


def rebuild(url: str, phases: Phases) -> Rebuilt:
    """The product's ``keeping.rebuild``, in a process of its own (its peak memory alone)."""
    with phases.timed("keeping.rebuild"):
        done = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", _REBUILD, url], check=False, capture_output=True, text=True
        )
    if done.returncode:
        raise RuntimeError(f"keeping.rebuild failed ({done.returncode}):\n{done.stderr[-3000:]}")
    facts, seconds, peak_kb = done.stdout.split()[-3:]
    with phases.timed("ANALYZE impact"), autocommit(url) as connection:
        connection.exec_driver_sql("VACUUM ANALYZE impact_facts")
        connection.exec_driver_sql("VACUUM ANALYZE impact_counts")
        connection.exec_driver_sql("VACUUM ANALYZE impact_rollups")
    return Rebuilt(int(facts), float(seconds), int(peak_kb) / 1024)
