"""Scan station under load: the real ``POST /api/v1/scan`` against a raw-SQL floor.

The floor is a bare FastAPI app whose one route does the same database work with SQLAlchemy Core
``text()`` on a pooled engine: look the device up by code, insert one scan row, answer its code and
status. Both are served by uvicorn with the same worker count and as many database connections
per worker, on a fresh PostgreSQL database seeded through the real services, and driven in turns
by the same load generator.

Targets (the workshop issue): app throughput >= 60 % of the floor's, app p99 <= 1.5 x the floor's.

    python -m bench.scan [--workers 1,2] [--duration 15] [--rounds 2] [--devices 2000]
                         [--floor-pool persistent|like-app]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel
from sqlalchemy import Engine, create_engine, func, select, text

from bench._common import (
    Call,
    Load,
    RunFigures,
    Target,
    drive,
    fresh_postgres_database,
    machine_lines,
    postgres_base_url,
    terminate_gracefully,
    uvicorn_server,
    write_results_section,
)
from collecte.app import create_app
from collecte.auth.models import Role
from collecte.auth.service import create_user
from collecte.auth.tokens import issue_token
from collecte.config import Settings
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.migrations import upgrade_database
from collecte.devices.bulk import bulk_receive
from collecte.devices.checklists import Category
from collecte.devices.models import Scan
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization, create_site

MIN_THROUGHPUT_RATIO = 0.60
MAX_P99_RATIO = 1.5
# The app's pool as configured by default (COLLECTE_DB_POOL_SIZE / _MAX_OVERFLOW; checked at start-up).
POOL_SIZE: int = Settings.model_fields["db_pool_size"].default
MAX_OVERFLOW: int = Settings.model_fields["db_max_overflow"].default

# How the orchestrator tells the server subprocesses what to serve.
DATABASE_URL_VARIABLE = "BENCH_SCAN_DATABASE_URL"
SECRET_VARIABLE = "BENCH_SCAN_SECRET_KEY"  # noqa: S105 (the variable's name, not a secret)
DATA_DIR_VARIABLE = "BENCH_SCAN_DATA_DIR"
USER_ID_VARIABLE = "BENCH_SCAN_USER_ID"
FLOOR_POOL_VARIABLE = "BENCH_SCAN_FLOOR_POOL"  # "persistent" or "like-app"


# --- the two servers (built inside the uvicorn subprocesses) ----------------------------------


def app_factory() -> FastAPI:
    """The real application, configured from the orchestrator's environment."""
    app = create_app(
        Settings(
            database_url=os.environ[DATABASE_URL_VARIABLE],
            secret_key=os.environ[SECRET_VARIABLE],
            data_dir=Path(os.environ[DATA_DIR_VARIABLE]),
        )
    )
    engine: Engine = app.state.engine
    pool_size = getattr(engine.pool, "size", lambda: None)()
    if pool_size != POOL_SIZE:
        raise RuntimeError(f"the app's pool holds {pool_size}, not {POOL_SIZE}: update POOL_SIZE")
    return app


class FloorScanIn(BaseModel):
    code: str


_LOOKUP = text("SELECT id, code, status FROM devices WHERE code = :code")
_INSERT = text(
    "INSERT INTO scans (device_id, user_id, action, duplicate, at) "
    "VALUES (:device_id, :user_id, '', false, now())"
)


def floor_pool(kind: str) -> tuple[int, int]:
    """The floor's (pool_size, max_overflow): as many connections as the app may open.

    "persistent" keeps all of them open. "like-app" copies the app's pool and overflow (overflow
    connections are closed on check-in).
    """
    return (POOL_SIZE, MAX_OVERFLOW) if kind == "like-app" else (POOL_SIZE + MAX_OVERFLOW, 0)


def floor_factory() -> FastAPI:
    """A bare FastAPI app doing the scan's database work in raw SQL: the floor to compare with."""
    pool_size, max_overflow = floor_pool(os.environ.get(FLOOR_POOL_VARIABLE, "persistent"))
    engine = create_engine(
        os.environ[DATABASE_URL_VARIABLE], pool_size=pool_size, max_overflow=max_overflow
    )
    user_id = int(os.environ[USER_ID_VARIABLE])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/scan")
    def scan(
        body: FloorScanIn, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, str]:
        """Look the device up, record the scan, answer its code and status."""
        del authorization  # sent like the app's bearer token, and ignored
        with engine.begin() as connection:
            row = connection.execute(_LOOKUP, {"code": body.code}).one_or_none()
            if row is None:
                raise HTTPException(status_code=404, detail="no such device")
            connection.execute(_INSERT, {"device_id": row.id, "user_id": user_id})
        return {"code": row.code, "status": row.status}

    return app


# --- the database ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    codes: list[str]
    user_id: int
    token: str


def seed(database_url: str, *, secret: str, devices: int) -> Seeded:
    """A workshop with a site, a technician and ``devices`` devices, through the real services."""
    engine = make_engine(database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = create_organization(
                session,
                name="Atelier Bench",
                kind=OrgKind.WORKSHOP,
                postcode="93100",
                city="Montreuil",
            )
            donor = create_organization(
                session, name="Donateur Bench", kind=OrgKind.DONOR, postcode="75011", city="Paris"
            )
            site = create_site(
                session,
                organization_id=workshop.id,
                name="Entrepôt",
                postcode="93100",
                city="Montreuil",
            )
            technician = create_user(
                session,
                email="technicien@bench.example.org",
                password=secrets.token_urlsafe(16),
                role=Role.TECHNICIAN,
                organization_id=workshop.id,
            )
            rows = [
                {
                    "category": Category.LAPTOP if n % 4 else Category.DESKTOP,
                    "brand": "Lenovo" if n % 4 else "Dell",
                    "model": "ThinkPad T480" if n % 4 else "OptiPlex 7050",
                    "serial": f"BENCH-{n:06d}",
                    "has_storage": True,
                    "weight_kg": 1.6 if n % 4 else 5.2,
                    "site_id": site.id,
                    "donor_id": donor.id,
                    "specs": {"ram_gb": 8, "storage_gb": 256},
                }
                for n in range(devices)
            ]
            received = bulk_receive(session, actor=technician, rows=enumerate(rows, start=1))
            return Seeded(
                codes=[device.code for device in received],
                user_id=technician.id,
                token=issue_token(secret, technician),
            )
    finally:
        engine.dispose()


def count_scans(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Scan)) or 0)


def sessions_opened(engine: Engine) -> int:
    """Sessions ever opened on this database (PostgreSQL 14+), to see the pools churn."""
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            )
            or 0
        )


def backend_pids(engine: Engine, application_name: str) -> list[int]:
    """The PostgreSQL backends a server holds (each server connects under its own name)."""
    with engine.connect() as connection:
        return list(
            connection.scalars(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :name"
                ),
                {"name": application_name},
            )
        )


def postgres_version(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("SHOW server_version").scalar())


@dataclass(frozen=True)
class Verdict:
    workers: int
    app: RunFigures
    floor: RunFigures
    errors: int

    @property
    def throughput_ratio(self) -> float:
        return self.app.requests_per_second / max(self.floor.requests_per_second, 1e-9)

    @property
    def p99_ratio(self) -> float:
        return self.app.p99_ms / max(self.floor.p99_ms, 1e-9)

    @property
    def passed(self) -> bool:
        return (
            self.errors == 0
            and self.throughput_ratio >= MIN_THROUGHPUT_RATIO
            and self.p99_ratio <= MAX_P99_RATIO
        )

    def summary(self) -> str:
        return (
            f"{self.workers} worker(s): app {self.app.requests_per_second:.0f} req/s, "
            f"p99 {self.app.p99_ms:.1f} ms; floor {self.floor.requests_per_second:.0f} req/s, "
            f"p99 {self.floor.p99_ms:.1f} ms; throughput ratio {self.throughput_ratio:.2f} "
            f"(>= {MIN_THROUGHPUT_RATIO:.2f}), p99 ratio {self.p99_ratio:.2f} "
            f"(<= {MAX_P99_RATIO:.2f}), errors {self.errors}: {'PASS' if self.passed else 'FAIL'}"
        )


def best(runs: Sequence[RunFigures], target: str) -> RunFigures:
    """The run of this target with the highest throughput (its own p99 goes with it)."""
    return max((run for run in runs if run.target == target), key=lambda r: r.requests_per_second)


@dataclass(frozen=True)
class Options:
    devices: int
    clients: int
    warmup: float
    duration: float
    rounds: int
    workers: tuple[int, ...]
    floor_pool: str


def measure(
    options: Options, workers: int, *, env: dict[str, str], seeded: Seeded, checker: Engine
) -> list[RunFigures]:
    """Floor and app in turns (floor first), ``options.rounds`` runs each, same worker count."""
    calls = [
        Call(body=f'{{"code":"{code}"}}'.encode(), expect=code.encode()) for code in seeded.codes
    ]
    headers = {"authorization": f"Bearer {seeded.token}", "content-type": "application/json"}
    runs: list[RunFigures] = []
    names = {"floor": "bench-scan-floor", "app": "bench-scan-app"}
    # libpq takes the application name from PGAPPNAME: it tells each server's backends apart.
    with (
        uvicorn_server(
            "bench.scan:floor_factory", workers=workers, env={**env, "PGAPPNAME": names["floor"]}
        ) as floor,
        uvicorn_server(
            "bench.scan:app_factory", workers=workers, env={**env, "PGAPPNAME": names["app"]}
        ) as app,
    ):
        targets = [
            Target(
                name,
                path,
                server.base_url,
                server.pid,
                database_pids=functools.partial(backend_pids, checker, names[name]),
            )
            for name, path, server in (("floor", "/scan", floor), ("app", "/api/v1/scan", app))
        ]
        for round_ in range(1, options.rounds + 1):
            load = Load(
                clients=options.clients,
                warmup=options.warmup,
                duration=options.duration,
                seed=round_,
            )
            for target in targets:
                scans_before, sessions_before = count_scans(checker), sessions_opened(checker)
                # A duplicate (same code within two seconds) is still a full scan: it is counted.
                tally = drive(target, calls, headers=headers, load=load, marker=b'"duplicate":true')
                inserted = count_scans(checker) - scans_before
                if inserted != tally.ok_total:  # every 200 must have recorded its scan
                    tally.errors += abs(inserted - tally.ok_total)
                    tally.error_examples.append(
                        f"{tally.ok_total} scans answered 200 but {inserted} rows were inserted"
                    )
                figures = dataclasses.replace(
                    RunFigures.of(
                        tally, target=target.name, workers=workers, round_=round_, load=load
                    ),
                    new_connections=sessions_opened(checker) - sessions_before,
                )
                runs.append(figures)
                print(f"  {figures.line()}")
                for example in tally.error_examples:
                    print(f"    error: {example}")
    return runs


def report(
    options: Options, verdicts: list[Verdict], runs: list[RunFigures], pg_version: str
) -> str:
    """The scan section of RESULTS.md."""
    headline = verdicts[0]
    floor_size = sum(floor_pool(options.floor_pool))
    duplicates = [run.flagged_share for run in runs if run.target == "app"]
    lines = [
        "## Scan station: `POST /api/v1/scan` against a raw-SQL floor",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.scan`.",
        "",
        *machine_lines(pg_version),
        f"- load: {options.clients} concurrent keep-alive clients (httpx2 AsyncClient on uvloop, "
        "in the orchestrating process, sharing the CPUs with the servers) posting random codes "
        f"of {options.devices} seeded devices (status received); {options.warmup:g} s warm-up "
        f"then {options.duration:g} s measured per run; floor and app in turns, {options.rounds} "
        "runs each; the **best run** (highest throughput, with its own p99) of each side is "
        "compared. Only 200 answers naming the scanned code count, and the scans table must "
        "have grown by exactly that many rows.",
        f"- servers: uvicorn (uvloop, httptools, access log off) on 127.0.0.1, "
        f"{' then '.join(map(str, options.workers))} worker(s), the same for app and floor. "
        f"Connections per worker: the app's own pool ({POOL_SIZE} + {MAX_OVERFLOW} overflow); "
        "the floor "
        + (
            f"the same {POOL_SIZE} + {MAX_OVERFLOW} (`--floor-pool like-app`)."
            if options.floor_pool == "like-app"
            else f"{floor_size} kept open (as many as the app may hold; overflow connections "
            "are closed on check-in, which at the floor's rate opens a new PostgreSQL session "
            "every few requests: see the last column)."
        ),
        "- app: the real `create_app`: bearer token, the plain scan's `scanning.look_up` (caller, "
        "device, rule facts and repeat check in one statement, then the insert, on a Core "
        "connection, one transaction per request), the allowed next actions, the full "
        f"`ScanOut`; {min(duplicates, default=0):.0%}–{max(duplicates, default=0):.0%} of its "
        "answers were flagged duplicates (a full scan all the same). Floor: a bare FastAPI sync "
        "route, SQLAlchemy Core `text()` on a pooled engine: SELECT the device by code, INSERT "
        "the scan, answer code and status.",
        "- CPU columns (Linux /proc, measured window only): server = the uvicorn process and its "
        "workers; PostgreSQL = the backends that server held when the window opened (sessions "
        "opened later, see new PG connections, are not in it); other processes = everything "
        "else on the machine (other jobs sharing it); steal = time the hypervisor took back. "
        "When the last two are high the absolute figures drop; the ratios much less.",
        "",
        RunFigures.HEADER,
        *(run.row() for run in runs),
        "",
        f"Targets: app throughput >= {MIN_THROUGHPUT_RATIO:.0%} of the floor's, app p99 <= "
        f"{MAX_P99_RATIO:g} x the floor's, no error.",
        "",
        *(f"- {verdict.summary()}" for verdict in verdicts),
        "",
        f"**Verdict (headline, {headline.workers} worker(s)): "
        f"{'PASS' if headline.passed else 'FAIL'}**: throughput ratio "
        f"{headline.throughput_ratio:.2f}, p99 ratio {headline.p99_ratio:.2f}.",
    ]
    return "\n".join(lines)


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.scan", description=__doc__)
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side, in turns")
    parser.add_argument(
        "--workers", default="1,2", help="worker counts; the first is the headline (default 1,2)"
    )
    parser.add_argument(
        "--floor-pool",
        choices=("persistent", "like-app"),
        default="persistent",
        help="the floor's pool: as many connections as the app may hold, kept open (default), "
        "or the app's own pool and overflow",
    )
    args = parser.parse_args(argv)
    workers = tuple(int(part) for part in str(args.workers).split(","))
    if min(args.rounds, args.clients, args.devices, *workers) < 1 or args.duration <= 0:
        parser.error("devices, clients, rounds, workers and duration must be positive")
    return Options(
        devices=args.devices,
        clients=args.clients,
        warmup=args.warmup,
        duration=args.duration,
        rounds=args.rounds,
        workers=workers,
        floor_pool=args.floor_pool,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the figures, write the scan section; 0 on PASS, 1 on FAIL."""
    options = parse_options(argv)
    terminate_gracefully()
    secret = secrets.token_urlsafe(32)
    started = time.monotonic()
    runs: list[RunFigures] = []
    verdicts: list[Verdict] = []
    with (
        fresh_postgres_database(postgres_base_url(), "collecte_bench_scan") as url,
        tempfile.TemporaryDirectory(prefix="collecte-bench-") as data_dir,
    ):
        upgrade_database(url)
        seeded = seed(url, secret=secret, devices=options.devices)
        print(f"scan: seeded {len(seeded.codes)} devices in {time.monotonic() - started:.1f} s")
        env = {
            DATABASE_URL_VARIABLE: url,
            SECRET_VARIABLE: secret,
            DATA_DIR_VARIABLE: data_dir,
            USER_ID_VARIABLE: str(seeded.user_id),
            FLOOR_POOL_VARIABLE: options.floor_pool,
        }
        checker = create_engine(url, pool_size=1)
        try:
            pg_version = postgres_version(checker)
            for workers in options.workers:
                these = measure(options, workers, env=env, seeded=seeded, checker=checker)
                runs += these
                verdicts.append(
                    Verdict(
                        workers=workers,
                        app=best(these, "app"),
                        floor=best(these, "floor"),
                        errors=sum(run.errors for run in these),
                    )
                )
        finally:
            checker.dispose()
    for verdict in verdicts:
        print(f"scan: {verdict.summary()}")
    write_results_section("scan", report(options, verdicts, runs, pg_version))
    print(f"scan: done in {time.monotonic() - started:.0f} s; bench/RESULTS.md updated")
    return 0 if verdicts[0].passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
