"""Mixed load: many clients scanning, browsing, receiving devices and printing labels at once.

The real app (``bench.scan:app_factory``: ``create_app`` with its default pool) is served by
uvicorn on a fresh PostgreSQL database seeded through the services (a workshop with two sites,
technicians, donors, a few thousand devices) and driven by ``bench._mix``: scans, page views,
intake and label PDFs by weight, from clients signed in like browsers. Besides the answers
``_mix`` checks, the scans and devices tables must have grown by exactly the scans and intakes
answered. The floor: the scan benchmark's raw-SQL scan server alone, under the same clients and
workers. Target: no error.

    python -m bench.load [--duration 60] [--clients 50] [--workers 2] [--warmup 5]
                         [--devices 3000] [--floor-duration 20] [--no-results]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, func, select

from bench import scan as scan_bench
from bench._common import (
    Call,
    Load,
    Target,
    drive,
    fresh_postgres_database,
    machine_lines,
    postgres_base_url,
    terminate_gracefully,
    uvicorn_server,
    write_results_section,
)
from bench._mix import (
    LABEL_TEMPLATES,
    SCAN_ACTION_SHARE,
    SEED,
    WEIGHTS,
    Mix,
    Row,
    Seeded,
    drive_mix,
    intake_row,
    rows,
)
from collecte.auth.models import Role
from collecte.auth.service import create_user
from collecte.auth.tokens import issue_token
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.migrations import upgrade_database
from collecte.devices.bulk import bulk_receive
from collecte.devices.models import Device, Scan
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization, create_site

TECHNICIANS = 5
DONORS = 3


# --- the database ---------------------------------------------------------------------------------


def seed(database_url: str, *, secret: str, devices: int) -> Seeded:
    """A workshop with two sites, technicians, donors and ``devices`` devices (the services)."""
    engine = make_engine(database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = create_organization(
                session,
                name="Atelier Charge",
                kind=OrgKind.WORKSHOP,
                postcode="93100",
                city="Montreuil",
            )
            sites = [
                create_site(
                    session,
                    organization_id=workshop.id,
                    name=name,
                    postcode="93100",
                    city="Montreuil",
                )
                for name in ("Entrepôt", "Atelier")
            ]
            donors = [
                create_organization(
                    session,
                    name=f"Donateur {n}",
                    kind=OrgKind.DONOR,
                    postcode="75011",
                    city="Paris",
                )
                for n in range(1, DONORS + 1)
            ]
            logins = [
                (f"technicien{n}@charge.example.org", secrets.token_urlsafe(16))
                for n in range(1, TECHNICIANS + 1)
            ]
            technicians = [
                create_user(
                    session,
                    email=email,
                    password=password,
                    role=Role.TECHNICIAN,
                    organization_id=workshop.id,
                )
                for email, password in logins
            ]
            site_ids, donor_ids = [site.id for site in sites], [donor.id for donor in donors]
            rng = random.Random(SEED)
            intake = [
                intake_row(rng, site_ids, donor_ids, serial=f"SEED-{n:06d}") for n in range(devices)
            ]
            received = bulk_receive(session, actor=technicians[0], rows=enumerate(intake, start=1))
            return Seeded(
                codes=[device.code for device in received],
                site_ids=site_ids,
                donor_ids=donor_ids,
                logins=logins,
                tokens=[issue_token(secret, technician) for technician in technicians],
                user_id=technicians[0].id,
            )
    finally:
        engine.dispose()


def count_rows(engine: Engine) -> tuple[int, int]:
    """Rows in the scans and devices tables."""
    with engine.connect() as connection:
        scans = connection.scalar(select(func.count()).select_from(Scan)) or 0
        devices = connection.scalar(select(func.count()).select_from(Device)) or 0
    return int(scans), int(devices)


# --- the floor, figures and the results section ---------------------------------------------------


def measure_floor(options: Options, seeded: Seeded, env: dict[str, str]) -> Row:
    """The scan benchmark's raw-SQL scan server alone, under the same clients and workers."""
    calls = [
        Call(body=f'{{"code":"{code}"}}'.encode(), expect=code.encode()) for code in seeded.codes
    ]
    headers = {"authorization": f"Bearer {seeded.tokens[0]}", "content-type": "application/json"}
    load = Load(
        clients=options.clients, warmup=options.warmup, duration=options.floor_duration, seed=SEED
    )
    with uvicorn_server("bench.scan:floor_factory", workers=options.workers, env=env) as floor:
        target = Target("floor", "/scan", floor.base_url, floor.pid, database_pids=list)
        tally = drive(target, calls, headers=headers, load=load)
    return Row.of("floor", sorted(tally.latencies_ms), tally.errors, options.floor_duration)


def summary(options: Options, table: list[Row]) -> str:
    """The last line: requests, errors, p50 and p99 per kind, the verdict."""
    everything = next(row for row in table if row.name == "all")
    kinds = "; ".join(
        f"{row.name} p50 {row.p50_ms:.1f} ms p99 {row.p99_ms:.1f} ms"
        for row in table
        if row.name in WEIGHTS
    )
    verdict = "PASS" if everything.errors == 0 else "FAIL"
    return (
        f"load: {options.clients} clients, {options.duration:g} s, {options.workers} workers: "
        f"{everything.requests} requests, {everything.errors} errors; {kinds}: {verdict}"
    )


def table_lines(table: list[Row]) -> list[str]:
    """The figures as a Markdown table (printed, and written to RESULTS.md)."""
    return [
        "| kind | weight | requests | req/s | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {row.name} | {f'{WEIGHTS[row.name]} %' if row.name in WEIGHTS else ''} "
            f"| {row.requests} | {row.per_second:.0f} | {row.errors} "
            f"| {row.p50_ms:.1f} | {row.p95_ms:.1f} | {row.p99_ms:.1f} |"
            for row in table
        ),
    ]


def report(options: Options, table: list[Row], mix: Mix, line: str, pg_version: str) -> str:
    """The load section of RESULTS.md."""
    cores = {name: seconds / options.duration for name, seconds in mix.cpu.items()}
    weights = ", ".join(f"{kind} {weight} %" for kind, weight in WEIGHTS.items())
    return "\n".join(
        [
            "## Mixed load: scans, pages, intake and label PDFs at once",
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.load`.",
            "",
            *machine_lines(pg_version),
            f"- load: {options.clients} clients, each its own keep-alive connection and cookies "
            "(httpx2 on uvloop, in the orchestrating process), signed in on the pages as one of "
            f"{TECHNICIANS} technicians; requests at random by weight ({weights}); "
            f"{options.warmup:g} s warm-up, then {options.duration:g} s measured. Scans: a seeded "
            f"code, {SCAN_ACTION_SHARE:.0%} with the `print_label` action; pages: `/`, "
            "`/devices`, a device's page, `/scan`; intake: `POST /api/v1/devices`; labels: "
            f"`label.pdf` on {', '.join(LABEL_TEMPLATES)} (QR code on, the default).",
            f"- database: a fresh PostgreSQL database, a workshop with 2 sites, {DONORS} donors, "
            f"{options.devices} devices received through the services.",
            f"- servers: uvicorn, {options.workers} workers, the app's default pool "
            f"({scan_bench.POOL_SIZE} + {scan_bench.MAX_OVERFLOW} per worker), access log off.",
            "- errors: any answer but the expected one (200 or 201 with the expected content; a "
            "redirect to sign-in counts) or none, warm-up included; and the scans and devices "
            "tables must have grown by exactly the scans and intakes answered.",
            f"- floor: the scan benchmark's bare FastAPI route (SELECT the device, INSERT the "
            f"scan, in raw SQL) alone on the same workers under the same clients, "
            f"{options.floor_duration:g} s measured after the mix: the cheapest request of the "
            "mix at this concurrency, on this machine.",
            f"- CPU in the window, in cores: server {cores.get('server', 0):.2f}, load generator "
            f"{cores.get('client', 0):.2f}, whole machine {cores.get('machine', 0):.2f} of "
            f"{os.cpu_count()} (the rest: PostgreSQL and whatever else shares the machine), "
            f"steal {cores.get('steal', 0):.2f}.",
            "- reading the tail: an intake makes 12 statements and a scan with an action 10, "
            "where a plain scan or a label makes 3 or 4 (and the pool's ping); with the CPUs "
            "saturated, each round trip waits for the GIL behind the CPU-bound requests of its "
            "worker (PDFs, pages), so these have the long tail. Measured once with a 0.5 ms "
            "switch interval instead of 5: the kinds' latencies drew together, throughput fell.",
            "",
            *table_lines(table),
            "",
            f"**{line}**",
        ]
    )


@dataclass(frozen=True)
class Options:
    clients: int
    duration: float
    workers: int
    warmup: float
    devices: int
    floor_duration: float
    write_results: bool


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--devices", type=int, default=3000)
    parser.add_argument(
        "--floor-duration", type=float, default=20.0, help="measured seconds of the floor"
    )
    parser.add_argument(
        "--no-results", action="store_true", help="leave bench/RESULTS.md as it is (smoke runs)"
    )
    args = parser.parse_args(argv)
    if (
        min(args.clients, args.workers, args.devices) < 1
        or min(args.duration, args.floor_duration) <= 0
    ):
        parser.error("clients, workers, devices and durations must be positive")
    return Options(
        clients=args.clients,
        duration=args.duration,
        workers=args.workers,
        warmup=args.warmup,
        devices=args.devices,
        floor_duration=args.floor_duration,
        write_results=not args.no_results,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Seed, drive the mix, measure the floor, print the figures; 0 without errors, else 1."""
    options = parse_options(argv)
    terminate_gracefully()
    secret = secrets.token_urlsafe(32)
    started = time.monotonic()
    with (
        fresh_postgres_database(postgres_base_url(), "collecte_bench_load") as url,
        tempfile.TemporaryDirectory(prefix="collecte-bench-") as data_dir,
    ):
        upgrade_database(url)
        seeded = seed(url, secret=secret, devices=options.devices)
        print(f"load: seeded {len(seeded.codes)} devices in {time.monotonic() - started:.1f} s")
        env = {
            scan_bench.DATABASE_URL_VARIABLE: url,
            scan_bench.SECRET_VARIABLE: secret,
            scan_bench.DATA_DIR_VARIABLE: data_dir,
            scan_bench.USER_ID_VARIABLE: str(seeded.user_id),
        }
        checker = create_engine(url, pool_size=1)
        try:
            pg_version = scan_bench.postgres_version(checker)
            before = count_rows(checker)
            with uvicorn_server("bench.scan:app_factory", workers=options.workers, env=env) as app:
                mix = drive_mix(
                    app.base_url,
                    app.pid,
                    seeded,
                    clients=options.clients,
                    warmup=options.warmup,
                    duration=options.duration,
                )
            after = count_rows(checker)
            # Every scan answered 200 inserted its row, every intake answered 201 its device.
            for kind, grown in zip(
                ("scan", "intake"), (after[0] - before[0], after[1] - before[1]), strict=True
            ):
                tally = mix.tallies[kind]
                if grown != tally.ok:
                    tally.error(f"{tally.ok} {kind}s answered but {grown} rows were written")
            floor = measure_floor(options, seeded, env)
        finally:
            checker.dispose()
    table = [*rows(mix, options.duration), floor]
    print("\n".join(table_lines(table)))
    for tally in mix.tallies.values():
        for example in tally.examples:
            print(f"  error: {example}")
    line = summary(options, table)
    if options.write_results:
        write_results_section("load", report(options, table, mix, line, pg_version))
    print(f"load: done in {time.monotonic() - started:.0f} s")
    print(line)
    return 0 if line.endswith("PASS") else 1


if __name__ == "__main__":
    raise SystemExit(main())
