"""The impact dashboard over a national network's five years: Collecte's counters against a floor.

On a throw-away PostgreSQL database (``--keep`` keeps it, ``--reuse URL`` skips the seeding): 23
workshops with 40 sites in 20 départements, 600 donors, 300 partners (through the services), then
1,000,000 devices and about 10,000,000 events by COPY, from a deterministic simulation of
2021-12-01 → 2026-11-30: devices arrive in pickups of 1–200 from one donor to one site on one day,
go through the workshop (label, diagnosis, repairs, erasure, grade), and about 65 % become
available, of which most go to partners in shipments of 5–30 (allocated, shipped, delivered),
are handed over to beneficiaries, sometimes returned (and some delivered again); the others are
recycled or taken for parts, a few are still in the workshop. Every event carries the dimensions
the product writes (workshop, site, territory, donor, category, weight; partner in the partner
flow; the beneficiary on a hand-over) and a payload valid for its kind; ``seq`` is 1..N in time
order (``hash`` is left NULL: the chain is not what this measures). Then the product's own
``keeping.rebuild`` fills ``impact_facts``, ``impact_counts`` and ``impact_rollups``.

Measured, per scope (the whole network, a big donor, a partner, a site, a territory, a workshop,
a calendar year, odd dates, a year and a donor), median of 7 after a warm-up:

- Collecte: ``counters.read(session, scope, factors, BREAKDOWNS)`` (the whole dashboard), and
  ``counters.read(..., breakdowns=())`` (the counters alone);
- the floor: one plain SQL statement over the events computing the same counters, ``GROUP BY``
  category, filtered on the events' own columns (redistributed and handed over are approximated
  as devices delivered, handed over, at least once in scope: a return is not subtracted).

Target: every scope's dashboard under 200 ms.

    python -m bench impact     (or: python -m bench.impact [--devices N] [--keep] [--reuse URL])
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import resource
import secrets
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.engine import make_url

from bench._common import (
    autocommit,
    fresh_postgres_database,
    machine_lines,
    postgres_base_url,
    terminate_gracefully,
    write_results_section,
)
from bench._impact_measure import Measured, database_counts, explain, measure, scopes, sizes
from bench._impact_seed import Phases, Rebuilt, Seeded, rebuild, seed
from bench._impact_world import (
    CATEGORIES,
    DONORS,
    END,
    PARTNERS,
    PLACES,
    RUNS,
    SITES,
    START,
    TARGET_MS,
    WORKSHOPS,
)
from bench._postgres import server_version
from collecte import models as _all_models  # noqa: F401 (every table known before the first flush)
from collecte.core.migrations import upgrade_database

# --- the report ----------------------------------------------------------------------------------


def report(
    seeded: Seeded,
    results: list[Measured],
    phases: Phases,
    rebuilt: Rebuilt | None,
    table_sizes: dict[str, tuple[int, float]],
    check: dict[str, Any],
    plan: str,
    worst: Measured,
    pg_version: str,
) -> str:
    verdict = "PASS" if all(result.passed for result in results) else "FAIL"
    lines = [
        f"## Impact: the dashboard over {seeded.devices:,} devices and {seeded.events:,} events",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `python -m bench impact`.",
        "",
        *machine_lines(pg_version),
        f"- data: a simulated network over {START} → {END}: {WORKSHOPS} workshops, {SITES} "
        f"sites in {len(PLACES)} départements, {DONORS} donors, {PARTNERS} partners; devices in "
        "pickups of 1–200 (one donor, one site, one day), categories "
        + ", ".join(f"{name} {share}%" for name, (share, _, _) in CATEGORIES.items())
        + "; about 65 % refurbished, most of them shipped to partners (5–30 a shipment), 70 % "
        "of those handed over, a few returned (some delivered again), 25 % recycled, 8 % parts; "
        "repairs on about a fifth; seq in time order, no hash chain. Seeded by COPY (the events' "
        "and devices' indexes and constraints built afterwards), then the product's "
        "`keeping.rebuild` filled impact_facts, impact_counts and impact_rollups.",
        "- Collecte: `counters.read(session, scope, factors, BREAKDOWNS)` (dashboard: counters "
        "and six breakdowns), and with `breakdowns=()` (counters alone), each in its own "
        f"transaction; median of {RUNS} after a warm-up.",
        "- floor: one SQL statement over the events, `GROUP BY category`, filtered on the "
        "events' own columns (the period on occurred_at in Europe/Paris days); redistributed "
        "and handed over approximated as devices delivered / handed over at least once in scope "
        "(returns not subtracted).",
        "",
        "| phase | seconds |",
        "|---|---:|",
        *(f"| {name} | {seconds:.1f} |" for name, seconds in phases.seconds.items()),
    ]
    if rebuilt is not None:
        lines += [
            "",
            f"`keeping.rebuild`: {rebuilt.facts:,} facts in {rebuilt.seconds:.1f} s, peak RSS of "
            f"its process {rebuilt.peak_rss_mb:,.0f} MB.",
        ]
    lines += [
        "",
        "| table | rows | MB |",
        "|---|---:|---:|",
        *(f"| {table} | {rows:,} | {mb:,.0f} |" for table, (rows, mb) in table_sizes.items()),
        "",
        "| scope | dashboard P50 ms | counters only P50 ms | floor P50 ms | counters < 200 ms | load avg |",
        "|---|---:|---:|---:|---|---:|",
        *(
            f"| {r.scope} | {r.dashboard_ms:.1f} | {r.counters_ms:.1f} | {r.floor_ms:.1f} "
            f"| {'PASS' if r.passed else 'FAIL'} | {r.load:.1f} |"
            for r in results
        ),
        "",
        "Whole network, Collecte against the floor (a check of the data, not of speed): "
        + ", ".join(
            f"{name} {check['collecte'].get(name)} / {check['floor'].get(key, 0):.0f}"
            for name, key in (
                ("collected", "collected"),
                ("refurbished", "refurbished"),
                ("redistributed", "redistributed"),
                ("handed_over", "handed_over"),
                ("people_equipped", "people"),
                ("recycled", "recycled"),
                ("parts", "parts"),
            )
        )
        if check
        else "",
        "",
        f"Slowest scope: {worst.scope}; its dashboard's statements (one run, ms):",
        "",
        *(f"- {ms:.1f} ms: `{_gist(sql)}`" for sql, _, ms in worst.statements),
        "",
        f"Its slowest statement ({worst.slowest[2]:.1f} ms), EXPLAIN (ANALYZE, BUFFERS):",
        "",
        "```sql",
        worst.slowest[0].strip(),
        "```",
        "",
        "```",
        plan,
        "```",
        "",
        f"**Verdict: {verdict}** (every scope's counters under {TARGET_MS:.0f} ms; the whole "
        "dashboard, with its six breakdowns, in its own column)",
    ]
    return "\n".join(lines)


def _gist(sql: str) -> str:
    """A statement in one short line: what it selects from, how it groups."""
    flat = " ".join(sql.split())
    head = flat.split(" FROM ", 1)
    select = head[0][:60] + ("…" if len(head[0]) > 60 else "")
    rest = head[1] if len(head) > 1 else ""
    return f"{select} FROM {rest[:160]}" if rest else select


@contextlib.contextmanager
def kept_database(base_url: str, prefix: str) -> Iterator[str]:
    """A database that outlives the run (``--keep``)."""
    url = make_url(base_url)
    name = f"{prefix}_{secrets.token_hex(6)}"
    with autocommit(url.render_as_string(hide_password=False)) as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Seed (or reuse), rebuild, measure, print, write the section; 0 on PASS, 1 on FAIL."""
    parser = argparse.ArgumentParser(prog="python -m bench.impact", description=__doc__)
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--events-per-device", type=float, default=10.0)
    parser.add_argument("--keep", action="store_true", help="keep the database, print its URL")
    parser.add_argument("--reuse", metavar="URL", help="measure a database seeded before")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild again")
    options = parser.parse_args(argv)
    terminate_gracefully()
    phases = Phases()
    rebuilt: Rebuilt | None = None
    if options.reuse:
        database: contextlib.AbstractContextManager[str] = contextlib.nullcontext(options.reuse)
    elif options.keep:
        database = kept_database(postgres_base_url(), "collecte_bench_impact")
    else:
        database = fresh_postgres_database(postgres_base_url(), "collecte_bench_impact")
    with database as url:
        if not options.reuse:
            with phases.timed("migrations"):
                upgrade_database(url)
            seed(url, options.devices, options.events_per_device, phases)
            if options.keep:
                print(f"impact: kept database {url}", flush=True)
        if not options.reuse or options.rebuild:
            rebuilt = rebuild(url, phases)
            print(
                f"impact: rebuild {rebuilt.facts} facts, {rebuilt.seconds:.1f} s, peak RSS "
                f"{rebuilt.peak_rss_mb:.0f} MB (bench process {_own_peak_mb():.0f} MB)"
            )
        if options.reuse:
            phases, rebuilt = _recalled(url, phases, rebuilt)
        if not options.reuse or options.rebuild:
            _remember(url, phases, rebuilt)
        seeded = database_counts(url)
        table_sizes = sizes(url)
        for table, (rows, mb) in table_sizes.items():
            print(f"impact: {table}: {rows} rows, {mb:.0f} MB")
        results, check = measure(url, scopes(url))
        worst = max(results, key=lambda result: result.counters_ms)
        # The slowest whole dashboard's slowest statement, explained: where time goes.
        slow = max(results, key=lambda result: result.dashboard_ms)
        plan = explain(url, slow.slowest[0], slow.slowest[1])
        print(f"impact: slowest statement ({slow.scope}, {slow.slowest[2]:.1f} ms):")
        print(slow.slowest[0].strip())
        print(plan)
        pg_version = server_version(url)
    passed = all(result.passed for result in results)
    write_results_section(
        "impact",
        report(seeded, results, phases, rebuilt, table_sizes, check, plan, slow, pg_version),
    )
    print(f"impact: {'PASS' if passed else 'FAIL'} (every scope's counters under 200 ms)")
    print(
        f"impact: {seeded.devices} devices {seeded.events} events: "
        f"collecte {worst.counters_ms:.1f} ms, floor {worst.floor_ms:.1f} ms"
    )
    return 0 if passed else 1


def _remember(url: str, phases: Phases, rebuilt: Rebuilt | None) -> None:
    """The seeding's phases in the database's comment, for a later ``--reuse``."""
    note = {"phases": phases.seconds, "rebuilt": rebuilt.__dict__ if rebuilt else None}
    name = make_url(url).database
    with autocommit(url) as connection:
        quoted = json.dumps(note).replace("'", "''")
        connection.exec_driver_sql(f"COMMENT ON DATABASE \"{name}\" IS '{quoted}'")


def _recalled(url: str, phases: Phases, rebuilt: Rebuilt | None) -> tuple[Phases, Rebuilt | None]:
    """The phases of the run that seeded this database (those of this run take precedence)."""
    with autocommit(url) as connection:
        comment = connection.exec_driver_sql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        ).scalar()
    try:
        note = json.loads(comment or "{}")
    except ValueError:
        return phases, rebuilt
    earlier = Phases(
        {f"{name} (when seeded)": seconds for name, seconds in note.get("phases", {}).items()}
    )
    earlier.seconds.update(phases.seconds)
    if rebuilt is None and note.get("rebuilt"):
        rebuilt = Rebuilt(**note["rebuilt"])
    return earlier, rebuilt


def _own_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    raise SystemExit(main())
