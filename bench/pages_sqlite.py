"""The embedded default: the pages and API answers of ``bench.pages`` on SQLite, at 10,000 and
100,000 devices.

The same network and accounts as ``bench.pages`` (``build_world``, through the services), the same
endpoints, warm-ups, rounds and floor (``_pages_measure.measure``), on a SQLite file migrated as
``collecte db upgrade`` does. The devices are inserted in one transaction per size, with the
shares of statuses and categories of ``bench.pages``, their big donor's at the staff's workshop;
no pickups, events or partner flow (SQLite has no COPY, and the pages that read them are judged
on PostgreSQL): the board, the device page and the partner's home are timed nearly empty.

Targets: at 100,000 every endpoint's median under 150 ms and at most 2x its median at 10,000.

    python -m bench pages_sqlite
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import secrets
import sqlite3
import tempfile
import time
from pathlib import Path

from bench._common import machine_lines, terminate_gracefully, write_results_section
from bench._pages_seed import Grown
from bench._pages_shape import (
    CATEGORIES,
    CATEGORY_CUMULATIVE,
    CATEGORY_NAMES,
    SERIAL_ALPHABET,
    STATUS_CUMULATIVE,
    STATUSES,
    device_code,
)
from bench._pages_world import World, build_world
from bench.pages import Step, judge, step_at, table
from collecte.core.migrations import upgrade_database

SIZES = (10_000, 100_000)


def seed(path: Path, world: World, first_id: int, count: int, rng: random.Random) -> None:
    """``count`` devices from ``first_id`` on, in one transaction (the triggers index their words)."""
    now = dt.datetime.now(dt.UTC)
    rows = []
    for device_id in range(first_id, first_id + count):
        donor = rng.choices(range(len(world.donor_ids)), world.donor_weights)[0]
        site = world.sites[world.donor_workshop[donor] * 2 + device_id % 2]
        category = CATEGORY_NAMES[
            bisect.bisect(CATEGORY_CUMULATIVE, rng.uniform(0, CATEGORY_CUMULATIVE[-1]))
        ]
        _share, kilograms, storage, models = CATEGORIES[category]
        brand, model = rng.choice(models)
        status = STATUSES[bisect.bisect(STATUS_CUMULATIVE, rng.uniform(0, STATUS_CUMULATIVE[-1]))]
        received = (now - dt.timedelta(days=rng.uniform(0, 5 * 365))).isoformat(sep=" ")
        serial = "".join(rng.choices(SERIAL_ALPHABET, k=12))
        rows.append(
            (device_id, device_code(device_id), category, brand, model, serial, storage,
             kilograms, status, site.workshop_id, site.id, world.donor_ids[donor],
             received, received, received, 1)
        )  # fmt: skip
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO devices (id, code, category, brand, model, serial, has_storage, "
            "weight_kg, status, organization_id, site_id, donor_id, received_at, history_since, "
            "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def main() -> int:
    """Seed, measure at each size, print, write the pages_sqlite section; 0 when targets are met."""
    terminate_gracefully()
    rng = random.Random(2026)
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="collecte-bench-") as data_dir:
        path = Path(data_dir) / "collecte.db"
        url = f"sqlite:///{path}"
        upgrade_database(url)
        world = build_world(url, rng)
        env = {
            "COLLECTE_DATABASE_URL": url,
            "COLLECTE_SECRET_KEY": secrets.token_urlsafe(32),
            "COLLECTE_DATA_DIR": data_dir,
            "COLLECTE_GEOCODER_URL": "",
        }
        seeded = 0
        for size in SIZES:
            started = time.perf_counter()
            seed(path, world, seeded + 1, size - seeded, rng)
            grown = Grown(size, 0, time.perf_counter() - started, 0.0, 0.0)
            print(
                f"pages_sqlite: +{size - seeded:,} devices inserted in {grown.copy_seconds:.1f} s"
            )
            seeded = size
            steps.append(step_at("pages_sqlite", url, world, env, size, grown))
    rows, judged, final = judge("pages_sqlite", steps, world)
    passed = all(verdict.passed for verdict in judged.values())
    body = "\n".join(
        [
            f"## Pages on SQLite: the embedded default at {SIZES[0]:,} and {SIZES[-1]:,} devices",
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `python -m bench "
            "pages_sqlite`.",
            "",
            *machine_lines(f"SQLite {sqlite3.sqlite_version} (no PostgreSQL)"),
            "- data: the network and accounts of `bench.pages`; devices only (no pickups, events "
            "or partner flow: the board, the device page and the partner's home are nearly "
            "empty here), inserted in one transaction per size: "
            + ", ".join(f"+{s.grown.devices:,} in {s.grown.copy_seconds:.1f} s" for s in steps)
            + " (the search triggers included).",
            "",
            table(steps, rows, judged),
            "",
            f"**Verdict: {'PASS' if passed else 'FAIL'}**: `{final}`",
        ]
    )
    write_results_section("pages_sqlite", body)
    print(final)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
