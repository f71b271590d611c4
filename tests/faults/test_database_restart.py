"""PostgreSQL restarted under a scan load: the service recovers by itself, loses nothing committed.

The real app (uvicorn, two workers, ``collecte.app:create_app`` as ``collecte serve`` runs
it) serves a throw-away PostgreSQL server of the test's own (``cluster.py``), while a few clients
post scans (plain look-ups, and ``print_label`` actions that write an event). Mid-load the server
is stopped ("fast": open transactions rolled back, connections closed), left down for a second,
and started again; the app is not touched. Later the clients pause, the server is restarted
again, and they resume: the connections the workers kept are all dead by then. Then:

- it answers 200 again within 5 s of the server being back, with the same worker processes;
- a request fails only if it was in flight or sent during the outage, and then with a clean
  503 ``database_unavailable``, never a 500 or a dropped connection; after the quiet restart,
  none fails (the pool pings a connection idle for more than 0.1 s before lending it);
- every scan answered 200 is in the scans table and every label print answered as applied is in
  the event log (per device), the log's ``seq`` is still gap-free, and nothing beyond the failed
  requests was written.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine, create_engine, func, select

from bench._common import process_tree, uvicorn_server
from collecte.config import Settings
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.events import Event, EventKind
from collecte.core.migrations import upgrade_database
from collecte.devices.models import Device, Scan
from tests.dbutil import POSTGRES_URL_VARIABLE, postgres_base_url
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop
from tests.faults.cluster import Cluster, server_binaries, throwaway_cluster

pytestmark = pytest.mark.slow

SECRET = "test-secret-not-for-production"
DEVICES = 200
CLIENTS = 6
WORKERS = 2
LOAD_BEFORE = 2.0  # seconds of normal load before the restart
DOWN_FOR = 1.0  # seconds the server stays stopped
RECOVERY_LIMIT = 5.0  # the bound: serving again within 5 s of the server being back
LOAD_AFTER = RECOVERY_LIMIT + 0.5  # seconds of load once it is back
LOAD_AFTER_QUIET = 2.0


@dataclass(frozen=True)
class Answer:
    started: float  # time.monotonic()
    ended: float
    code: str
    action: str
    status: int  # 0: no HTTP answer at all
    body: str
    applied: bool = False


@dataclass(frozen=True)
class Outage:
    stopping: float  # the stop was issued
    back: float  # the server accepts connections again


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not postgres_base_url():
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set: the fault tests run with PostgreSQL's")
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    with throwaway_cluster(binaries) as cluster:
        yield cluster


def _seed(url: str, settings: Settings) -> tuple[list[str], dict[str, str]]:
    """A workshop, its technician and ``DEVICES`` devices, committed; the technician's headers."""
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = Workshop(session)
            codes = [workshop.receive(serial=f"SN-{n}").code for n in range(DEVICES)]
            return codes, auth_headers(settings, workshop.technician)
    finally:
        engine.dispose()


@dataclass
class Clients:
    """What the clients share: the answers, and the switches that pause and end them."""

    answers: list[Answer] = field(default_factory=list)
    running: asyncio.Event = field(default_factory=asyncio.Event)
    finished: bool = False
    in_flight: int = 0

    async def pause(self) -> None:
        """Stop sending and wait until no request is in flight."""
        self.running.clear()
        while self.in_flight:
            await asyncio.sleep(0.01)


async def _client(
    http: httpx2.AsyncClient, codes: Iterator[str], headers: dict[str, str], clients: Clients
) -> None:
    for n in itertools.count():
        await clients.running.wait()
        if clients.finished:
            return
        code = next(codes)
        action = "print_label" if n % 2 else ""
        clients.in_flight += 1
        started = time.monotonic()
        try:
            response = await http.post(
                "/api/v1/scan", json={"code": code, "action": action or None}, headers=headers
            )
        except httpx2.HTTPError as exc:
            answer = Answer(started, time.monotonic(), code, action, 0, repr(exc))
        else:
            ok = response.status_code == 200
            applied = ok and response.json()["applied"] == "print_label"
            answer = Answer(
                started,
                time.monotonic(),
                code,
                action,
                response.status_code,
                response.text,
                applied,
            )
        finally:
            clients.in_flight -= 1
        clients.answers.append(answer)
        if answer.status != 200:
            await asyncio.sleep(0.05)  # as a station would pause after an error; no busy loop


def _restart(cluster: Cluster, down_for: float) -> Outage:
    stopping = time.monotonic()
    cluster.stop("fast")
    time.sleep(down_for)
    cluster.start()
    return Outage(stopping, time.monotonic())


async def _load_through_restarts(
    base_url: str, cluster: Cluster, codes: list[str], headers: dict[str, str]
) -> tuple[list[Answer], Outage, Outage]:
    """A restart under load, then a quiet one (nothing in flight, nothing sent while down)."""
    clients = Clients()
    cycle = itertools.cycle(codes)
    async with httpx2.AsyncClient(base_url=base_url, timeout=10.0) as http:
        tasks = [
            asyncio.create_task(_client(http, cycle, headers, clients)) for _ in range(CLIENTS)
        ]
        clients.running.set()
        await asyncio.sleep(LOAD_BEFORE)
        busy = await asyncio.to_thread(_restart, cluster, DOWN_FOR)
        await asyncio.sleep(LOAD_AFTER)
        await clients.pause()
        quiet = await asyncio.to_thread(_restart, cluster, 0.0)
        clients.running.set()
        await asyncio.sleep(LOAD_AFTER_QUIET)
        clients.finished = True
        await asyncio.gather(*tasks)
    return clients.answers, busy, quiet


def _written(engine: Engine) -> tuple[Counter[str], Counter[str], list[int | None]]:
    """Scans and label-printed events per device code, and every event's seq."""
    with engine.connect() as connection:
        scans = Counter(
            dict(
                connection.execute(
                    select(Device.code, func.count()).join(Scan).group_by(Device.code)
                ).all()
            )
        )
        labels = Counter(
            dict(
                connection.execute(
                    select(Device.code, func.count())
                    .join(Event, Event.device_id == Device.id)
                    .where(Event.kind == EventKind.LABEL_PRINTED)
                    .group_by(Device.code)
                ).all()
            )
        )
        seqs = list(connection.scalars(select(Event.seq).order_by(Event.seq)))
    return scans, labels, seqs


def test_app_recovers_from_a_database_restart(cluster: Cluster, tmp_path: Path) -> None:
    with create_engine(cluster.url(), isolation_level="AUTOCOMMIT").connect() as admin:
        admin.exec_driver_sql("CREATE DATABASE collecte")
    url = cluster.url("collecte")
    upgrade_database(url)
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=url, secret_key=SECRET)
    codes, headers = _seed(url, settings)
    env = {
        "COLLECTE_DATABASE_URL": url,
        "COLLECTE_SECRET_KEY": SECRET,
        "COLLECTE_DATA_DIR": str(tmp_path),
    }

    with uvicorn_server("collecte.app:create_app", workers=WORKERS, env=env) as server:
        processes = set(process_tree(server.pid))
        # In a thread of its own: the browser tests' Playwright keeps an event loop running in
        # this one for the rest of the session, and asyncio.run refuses to nest in it.
        with ThreadPoolExecutor(max_workers=1) as thread:
            answers, busy, quiet = thread.submit(
                asyncio.run, _load_through_restarts(server.base_url, cluster, codes, headers)
            ).result()
        assert set(process_tree(server.pid)) == processes, "the app's processes were restarted"

    answers.sort(key=lambda answer: answer.started)
    failed = [answer for answer in answers if answer.status != 200]
    served_again = [a for a in answers if a.status == 200 and busy.back <= a.started]
    recovery = served_again[0].ended - busy.back if served_again else float("inf")
    after_quiet = [a for a in answers if a.started >= quiet.stopping]
    print(  # noqa: T201 (the figures, for the report: pytest -s)
        f"\n{len(answers)} requests, {len(failed)} failed "
        f"({dict(Counter(a.status for a in failed))}); server down "
        f"{busy.back - busy.stopping:.2f} s under load, first 200 {recovery:.3f} s after it was "
        f"back; quiet restart: {len(after_quiet)} requests after it"
    )

    assert all(a.status == 200 for a in answers if a.ended < busy.stopping), "failed before"
    assert recovery <= RECOVERY_LIMIT
    assert len(served_again) > CLIENTS, "too few requests served after the restart"
    # Failures: only requests in flight or sent while the server was down, each a clean 503.
    assert any(busy.stopping <= a.started < busy.back for a in answers), "no request met it"
    late = [a for a in failed if a.started >= busy.back]
    assert not late, f"failed after the server was back: {late[:3]}"
    assert all(a.status == 503 and '"error":"database_unavailable"' in a.body for a in failed), (
        f"unclean failures: {[(a.status, a.body) for a in failed if a.status != 503][:3]}"
    )
    # The connections the workers kept through the quiet restart are dead: none may fail a request.
    assert len(after_quiet) > CLIENTS
    assert all(a.status == 200 for a in after_quiet), [a.body for a in after_quiet][:3]

    engine = create_engine(url)
    try:
        scans, labels, seqs = _written(engine)
    finally:
        engine.dispose()
    answered_scans = Counter(a.code for a in answers if a.status == 200)
    answered_labels = Counter(a.code for a in answers if a.applied)
    assert not answered_scans - scans, "scans answered 200 are missing"
    assert not answered_labels - labels, "label prints answered as applied are missing"
    first = seqs[0]
    assert first is not None, "a committed event has no seq"
    assert seqs == list(range(first, first + len(seqs))), "the event log's seq has a gap"
    # A failed request wrote nothing, unless its commit reached the server but not its answer.
    assert (scans - answered_scans).total() <= len(failed)
    assert (labels - answered_labels).total() <= len(failed)
