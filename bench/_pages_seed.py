"""Growing ``bench.pages``' database by COPY: more devices, their pickups, events and partner flow,
then the sequences moved past the new rows and the tables vacuumed and analysed."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import NullPool, create_engine

from bench._common import autocommit
from bench._impact_seed import _set_aside
from bench._pages_rows import Generator
from bench._pages_shape import TABLES, Chunk, Counters
from bench._pages_world import World
from collecte.auth.models import Role

CHUNK_DEVICES = 20_000  # generated, then copied table by table, in one transaction per step
OPEN_PICKUPS = 60  # requested and scheduled ones, for the board (written once)
SET_ASIDE = ("events", "devices", "allocations")


@dataclass(frozen=True)
class Grown:
    devices: int  # in the database now
    events: int
    copy_seconds: float  # generating and copying
    index_seconds: float  # the set-aside indexes and constraints rebuilt
    vacuum_seconds: float


def _counters(cursor: Any) -> Counters:
    ids = {}
    for table, _ in TABLES:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608 (our names)
        ids[table] = int(cursor.fetchone()[0])
    cursor.execute("SELECT last, head FROM event_sequence WHERE id = 1")
    row = cursor.fetchone()
    last, head = (int(row[0]), str(row[1])) if row else (0, "")
    return Counters(ids=ids, seq=last, head=head)


def _copy(cursor: Any, chunk: Chunk) -> None:
    for table, columns in TABLES:
        rows = chunk.rows.get(table)
        if rows:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write("".join(rows))


def grow(url: str, world: World, devices: int, *, rng: random.Random, now: int) -> Grown:
    """Add ``devices`` devices (with ~5.6 events each) in one transaction; the first growth also
    adds the open pickups."""
    started = time.perf_counter()
    engine = create_engine(url, poolclass=NullPool)
    raw = engine.raw_connection()
    try:
        cursor: Any = raw.driver_connection.cursor()  # type: ignore[union-attr]
        counters = _counters(cursor)
        # Loaded without their secondary indexes and constraints, rebuilt at the end (measured on
        # +10,000 devices: 4.8 s of COPY with them, 0.4 s without and 0.7 s to rebuild them).
        restore = [
            statement for table in SET_ASIDE for statement in _set_aside(cursor.connection, table)
        ]
        first = counters.ids["devices"] == 1
        generator = Generator(world, counters, rng, now, world.user_ids[Role.TECHNICIAN])
        columns = (
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} devices"),
            TimeElapsedColumn(),
        )
        with Progress(*columns) as progress:
            task = progress.add_task(f"seeding +{devices:,}", total=devices)
            left = devices
            while left > 0:
                chunk = Chunk()
                if first:
                    generator.open_pickups(chunk, OPEN_PICKUPS)
                    first = False
                target = min(CHUNK_DEVICES, left)
                while chunk.devices < target:
                    size = max(1, min(200, round(rng.expovariate(1 / 50))))
                    generator.batch(chunk, min(size, target - chunk.devices))
                generator.close_chunk(chunk)
                _copy(cursor, chunk)
                left -= chunk.devices
                progress.update(task, advance=chunk.devices)
        for table, _ in TABLES:
            # The app draws its ids from these sequences: past the copied rows.
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)",
                (counters.ids[table] - 1,),
            )
        copied = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in restore:
            cursor.execute(statement)
        indexed = time.perf_counter()
        cursor.execute(
            "UPDATE event_sequence SET last = %s, head = %s WHERE id = 1",
            (counters.seq, counters.head),
        )
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    vacuumed = time.perf_counter()
    with autocommit(url) as connection:
        # What autovacuum would have done by then: statistics, and the visibility map that lets
        # counts be answered from an index alone.
        for table, _ in TABLES:
            connection.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
    return Grown(
        devices=counters.ids["devices"] - 1,
        events=counters.seq,
        copy_seconds=copied - started,
        index_seconds=indexed - copied,
        vacuum_seconds=time.perf_counter() - vacuumed,
    )
