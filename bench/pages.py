"""Pages and API answers as the database grows: 10,000, then 100,000, then 1,000,000 devices.

On a throw-away PostgreSQL database, migrated: 5 workshops with two sites each (10 départements),
200 donors (a few big, a long tail: the first gives about an eighth of everything), 25 partners
and one account per role, through the services. Then devices by COPY, the same database grown
step by step (10,000; +90,000; +900,000): collected in pickups of 1–200 from one donor to one
site, random serials, valid codes; their status now mostly an exit (handed over 22 %, delivered
18 %, recycled 25.5 %, parts 6 %), 12 % available, 13 % in the workshop, some in the partner flow
(requests, lines, shipments, allocations, hand-overs); about 5.6 events each, numbered and
hash-chained as committed events are (the chain is verified at the first size). Sequences are
moved past the copied rows; the tables vacuumed and analysed.

At each size, the real app (``create_app``, one uvicorn worker, like ``collecte serve``) in a
subprocess, every role signed in through its own login (the form for pages, the token endpoint
for the API); each endpoint timed in turns with the others, two warm-ups then the median of 7.
The floor, in the same rounds: a bare FastAPI route reading the deep page's 50 devices by primary
key (``WHERE id < :after ORDER BY id DESC LIMIT 50``), served and called the same way.

Targets: at the largest size every endpoint's median under 150 ms and at most 2x its median at
the smallest (the API's ``offset=`` page is timed for the record, not judged).

    python -m bench pages   (or: python -m bench.pages [--sizes 10000,100000,1000000])
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench._common import (
    fresh_postgres_database,
    machine_lines,
    postgres_base_url,
    terminate_gracefully,
    write_results_section,
)
from bench._pages_measure import RUNS, Facts, Timed, endpoints, facts, measure
from bench._pages_seed import Grown, grow
from bench._pages_world import World, build_world
from bench._postgres import server_version
from collecte import models as _all_models  # noqa: F401 (every table known before the first flush)
from collecte.core import chain
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.migrations import upgrade_database

TARGET_MS = 150.0
MAX_GROWTH = 2.0
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)


@dataclass(frozen=True)
class Step:
    size: int
    grown: Grown
    facts: Facts
    timed: Timed


@dataclass(frozen=True)
class Verdict:
    name: str
    last_ms: float
    growth: float

    @property
    def passed(self) -> bool:
        return self.last_ms < TARGET_MS and self.growth <= MAX_GROWTH

    @property
    def badness(self) -> float:
        """How far from its targets (above 1: missed); the worst endpoint is named last."""
        return max(self.last_ms / TARGET_MS, self.growth / MAX_GROWTH)


def verdicts(steps: list[Step], names: list[str]) -> list[Verdict]:
    first, last = steps[0].timed.medians, steps[-1].timed.medians
    return [Verdict(name, last[name], last[name] / first[name]) for name in names]


def _verify_chain(url: str) -> int:
    """The copied log verifies as the product's audit does; how many events were checked."""
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            verification = chain.verify(session)
    finally:
        engine.dispose()
    if not verification.ok:
        raise RuntimeError(f"the seeded hash chain breaks: {verification.first_broken}")
    return verification.checked


def table(steps: list[Step], rows: list[tuple[str, str, str]], judged: dict[str, Verdict]) -> str:
    sizes = " | ".join(f"{step.size:,} ms" for step in steps)
    lines = [
        f"| endpoint | role | request | {sizes} | x growth | verdict |",
        "|---|---|---|" + "---:|" * len(steps) + "---:|---|",
    ]
    for name, role, request in rows:
        medians = " | ".join(f"{step.timed.medians[name]:.1f}" for step in steps)
        verdict = judged.get(name)
        growth = steps[-1].timed.medians[name] / steps[0].timed.medians[name]
        outcome = ("PASS" if verdict.passed else "FAIL") if verdict else "not judged"
        lines.append(f"| {name} | {role} | `{request}` | {medians} | {growth:.1f} | {outcome} |")
    return "\n".join(lines)


def report(
    steps: list[Step],
    rows: list[tuple[str, str, str]],
    judged: dict[str, Verdict],
    final: str,
    checked: int,
    pg_version: str,
) -> str:
    passed = all(verdict.passed for verdict in judged.values())
    lines = [
        f"## Pages: every page and API answer from {steps[0].size:,} to {steps[-1].size:,} devices",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `python -m bench pages`.",
        "",
        *machine_lines(pg_version),
        "- data: 5 workshops (two sites each, 10 départements), 200 donors (the first gives "
        "about an eighth), 25 partners, one account per role (services); devices by COPY in "
        "pickups of 1–200, random serials, valid codes; status now: handed over 22 %, delivered "
        "18 %, recycled 25.5 %, parts 6 %, available 12 %, in the workshop 13 %, in the partner "
        "flow 3 % (with requests, lines, shipments, allocations, hand-overs); about 5.6 events "
        f"a device, numbered and hash-chained ({checked:,} events verified by "
        "`collecte.core.chain.verify` at the first size). The workshop records (diagnosis, "
        "erasure, grade tables) and the impact tables are not seeded: no page timed here reads "
        "more than a device's. The same database is grown from one size to the next; COPY "
        "without the secondary indexes and constraints of events, devices and allocations, "
        "rebuilt afterwards, then `VACUUM (ANALYZE)`.",
        f"- timing: the real app (`create_app`, one uvicorn worker) in a subprocess, each role "
        "signed in through the login form (pages) or the token endpoint (API); every endpoint "
        f"in turns, two warm-up rounds then the median of {RUNS}, one request at a time over a "
        "keep-alive connection.",
        "- floor: a bare FastAPI route (its own uvicorn worker) reading the deep page's 50 "
        "devices by primary key, `SELECT * FROM devices WHERE id < :after ORDER BY id DESC "
        "LIMIT 50`, as JSON, called the same way in the same rounds.",
        "- deep page: `after=` the code of the available device "
        + ", ".join(f"{step.facts.depth:,} deep at {step.size:,}" for step in steps)
        + " (50,000, or the deepest with a full page after it); `after=` "
        + (
            "was honoured (the page started with the device right after the cursor)."
            if all(step.timed.after_honoured for step in steps)
            else "was **not honoured** by this API (it answered the first page)."
        )
        + " `offset_page_api` is the old way, for the record.",
        "",
        "| size | devices | events | generate + COPY s | indexes s | VACUUM ANALYZE s | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {step.size:,} | {step.grown.devices:,} | {step.grown.events:,} "
            f"| {step.grown.copy_seconds:.1f} | {step.grown.index_seconds:.1f} "
            f"| {step.grown.vacuum_seconds:.1f} | {step.timed.load[0]:.2f} |"
            for step in steps
        ),
        "",
        table(steps, rows, judged),
        "",
        f"Targets: at {steps[-1].size:,} devices every endpoint's median under "
        f"{TARGET_MS:.0f} ms and at most {MAX_GROWTH:g}x its median at {steps[0].size:,}.",
        "",
        f"**Verdict: {'PASS' if passed else 'FAIL'}**: `{final}`",
    ]
    return "\n".join(lines)


def step_at(
    label: str, url: str, world: World, env: dict[str, str], size: int, grown: Grown
) -> Step:
    """Every endpoint timed at this size, the medians printed."""
    known = facts(url, world)
    timed = measure(url, world, known, env)
    print(f"{label}: at {size:,} devices (load average {timed.load[0]:.2f}):")
    for name, median in timed.medians.items():
        print(f"  {name:22} {median:8.1f} ms")
    if not timed.after_honoured:
        print("  (deep_page_api: after= was not honoured, the first page came back)")
    return Step(size, grown, known, timed)


def judge(
    label: str, steps: list[Step], world: World
) -> tuple[list[tuple[str, str, str]], dict[str, Verdict], str]:
    """The table's rows, each judged endpoint's verdict and the last line (the worst endpoint),
    the table printed."""
    named = endpoints(world, steps[-1].facts)
    rows = [(e.name, e.role.value, f"{e.method} {e.path}") for e in named]
    rows.append(("floor", "-", "GET /floor?after=<cursor> (bare route, by primary key)"))
    judged = {v.name: v for v in verdicts(steps, [e.name for e in named if e.in_verdict])}
    print(table(steps, rows, judged))
    worst = max(judged.values(), key=lambda verdict: verdict.badness)
    last = steps[-1]
    final = (
        f"{label}: {last.size} devices: worst {worst.name} {worst.last_ms:.1f} ms "
        f"(x {worst.growth:.1f} vs {steps[0].size}), floor {last.timed.medians['floor']:.1f} ms"
    )
    return rows, judged, final


def parse_sizes(argv: Sequence[str] | None) -> list[int]:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="device counts to measure at, growing (default 10000,100000,1000000)",
    )
    args = parser.parse_args(argv)
    sizes = [int(part) for part in str(args.sizes).split(",")]
    if sizes != sorted(set(sizes)) or sizes[0] < 1000:
        parser.error("sizes must grow, from 1000 devices at least")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    """Seed, measure at each size, print, write the pages section; 0 when every target is met."""
    sizes = parse_sizes(argv)
    terminate_gracefully()
    rng = random.Random(2026)
    now = int(time.time())
    steps: list[Step] = []
    with (
        fresh_postgres_database(postgres_base_url(), "collecte_bench_pages") as url,
        tempfile.TemporaryDirectory(prefix="collecte-bench-") as data_dir,
    ):
        upgrade_database(url)
        world: World = build_world(url, rng)
        env = {
            "COLLECTE_DATABASE_URL": url,
            "COLLECTE_SECRET_KEY": secrets.token_urlsafe(32),
            "COLLECTE_DATA_DIR": data_dir,
            "COLLECTE_GEOCODER_URL": "",  # nothing leaves the machine
        }
        checked = 0
        for size in sizes:
            grown = grow(url, world, size - (steps[-1].size if steps else 0), rng=rng, now=now)
            print(
                f"pages: {grown.devices:,} devices, {grown.events:,} events: generate + COPY "
                f"{grown.copy_seconds:.1f} s, indexes {grown.index_seconds:.1f} s, VACUUM ANALYZE "
                f"{grown.vacuum_seconds:.1f} s",
                flush=True,
            )
            if not checked:
                checked = _verify_chain(url)
                print(f"pages: hash chain verified over {checked:,} events", flush=True)
            steps.append(step_at("pages", url, world, env, size, grown))
        pg_version = server_version(url)
    rows, judged, final = judge("pages", steps, world)
    for verdict in judged.values():
        print(
            f"pages: {verdict.name}: {verdict.last_ms:.1f} ms (x {verdict.growth:.1f}): "
            f"{'PASS' if verdict.passed else 'FAIL'}"
        )
    write_results_section("pages", report(steps, rows, judged, final, checked, pg_version))
    print(final)
    return 0 if all(verdict.passed for verdict in judged.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
