"""Plumbing shared by the benchmarks: servers in subprocesses, a keep-alive HTTP load generator,
CPU accounting, percentiles, machine facts and each benchmark's section of ``bench/RESULTS.md``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import httpx2
import uvloop
from sqlalchemy import Connection, NullPool, create_engine
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_URL_VARIABLE = "COLLECTE_BENCH_DATABASE_URL"
LOOPBACK = "127.0.0.1"
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def postgres_base_url() -> str:
    """The PostgreSQL server the benchmarks create their throw-away databases on."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL


@contextlib.contextmanager
def fresh_postgres_database(base_url: str, prefix: str) -> Iterator[str]:
    """Create a database with a random suffix, yield its URL, drop it afterwards (even on error)."""
    url = make_url(base_url)
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            # FORCE: a server that outlived its benchmark must not keep the database alive.
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextlib.contextmanager
def autocommit(url: str) -> Iterator[Connection]:
    """A connection outside any transaction (VACUUM, CREATE DATABASE, plain reads)."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def terminate_gracefully() -> None:
    """Turn SIGTERM into SystemExit, so that servers are stopped and databases dropped."""

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int


@contextlib.contextmanager
def uvicorn_server(
    factory: str, *, workers: int, env: Mapping[str, str], ready_timeout: float = 30.0
) -> Iterator[Server]:
    """Serve ``module:factory`` with uvicorn in a subprocess on loopback; stop it on exit.

    The access log is off on every server a benchmark compares, so neither side pays for it.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        LOOPBACK,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **env})  # noqa: S603 (our own interpreter and arguments)
    try:
        base_url = f"http://{LOOPBACK}:{port}"
        wait_until_serving(base_url, process, ready_timeout)
        yield Server(base_url=base_url, pid=process.pid)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server: SIGTERM, then SIGKILL if it has not exited within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_until_serving(
    base_url: str, process: subprocess.Popen[bytes], timeout: float, path: str = "/openapi.json"
) -> None:
    """Return once the server answers ``path`` (any HTTP answer: it is up)."""
    deadline = time.monotonic() + timeout
    with httpx2.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited early with status {process.returncode}")
            try:
                client.get(path)
            except httpx2.TransportError:
                time.sleep(0.1)
            else:
                return
    raise RuntimeError(f"no answer from {base_url} within {timeout:.0f} s")


# --- CPU accounting (Linux /proc) ---------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            found.extend(int(child) for child in text.split())
    return found


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (a uvicorn supervisor and its workers)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(_children(current))
    return tree


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """User and system CPU time each of these processes has used so far (gone ones are left out)."""
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            # The command name may contain spaces: the fields start after its closing parenthesis.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND  # utime, stime
    return seconds


def cpu_used(before: Mapping[int, float], after: Mapping[int, float]) -> float:
    """CPU seconds used between two samples by the processes alive at both."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine has spent busy, and lost to the hypervisor (steal), so far."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq) / _TICKS_PER_SECOND, steal / _TICKS_PER_SECOND


# --- the load generator -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    base_url: str
    pid: int  # the server process (its workers are found below it)
    database_pids: Callable[[], Sequence[int]]  # the PostgreSQL backends serving it, right now


@dataclass(frozen=True)
class Call:
    """One request body and a fragment its 200 answer must contain (a cheap correctness check)."""

    body: bytes
    expect: bytes


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    ok_total: int = 0  # warm-up included
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    flagged: int = 0  # measured answers containing the caller's marker
    cpu: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Load:
    clients: int
    warmup: float  # seconds driven before measuring
    duration: float  # seconds measured
    seed: int
    max_requests_per_client: int = 200_000  # a bound besides the clock: no loop runs away
    timeout: float = 10.0


async def _client(
    http: httpx2.AsyncClient,
    target: Target,
    calls: Sequence[Call],
    headers: Mapping[str, str],
    load: Load,
    rng: random.Random,
    window: tuple[float, float],
    marker: bytes | None,
    tally: Tally,
) -> None:
    measure_from, deadline = window
    for _ in range(load.max_requests_per_client):
        started = time.perf_counter()
        if started >= deadline:
            return
        call = rng.choice(calls)
        try:
            response = await http.post(target.path, content=call.body, headers=headers)
        except httpx2.HTTPError as exc:
            answer = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code == 200 and call.expect in response.content:
                tally.ok_total += 1
                if started >= measure_from:
                    tally.latencies_ms.append((time.perf_counter() - started) * 1000)
                    tally.flagged += marker is not None and marker in response.content
                continue
            answer = f"{response.status_code}: {response.text[:200]}"
        tally.errors += 1
        if len(tally.error_examples) < 3:
            tally.error_examples.append(answer)


async def _sample_cpu(target: Target, window: tuple[float, float], tally: Tally) -> None:
    """CPU used in the measured window by this process, the server, its PostgreSQL backends (those
    open when the window starts) and the whole machine."""
    measure_from, deadline = window
    await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
    server, database = process_tree(target.pid), target.database_pids()
    client_before, machine_before = time.process_time(), machine_cpu()
    server_before, database_before = cpu_seconds(server), cpu_seconds(database)
    await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
    machine_after = machine_cpu()
    tally.cpu = {
        "client": time.process_time() - client_before,
        "server": cpu_used(server_before, cpu_seconds(server)),
        "postgres": cpu_used(database_before, cpu_seconds(database)),
        "machine": machine_after[0] - machine_before[0],
        "steal": machine_after[1] - machine_before[1],
    }


async def _drive(
    target: Target,
    calls: Sequence[Call],
    headers: Mapping[str, str],
    load: Load,
    marker: bytes | None,
) -> Tally:
    limits = httpx2.Limits(max_connections=load.clients, max_keepalive_connections=load.clients)
    tally = Tally()
    async with httpx2.AsyncClient(
        base_url=target.base_url, limits=limits, timeout=load.timeout
    ) as http:
        measure_from = time.perf_counter() + load.warmup
        window = (measure_from, measure_from + load.duration)
        await asyncio.gather(
            _sample_cpu(target, window, tally),
            *(
                _client(
                    http,
                    target,
                    calls,
                    headers,
                    load,
                    random.Random(load.seed * 1000 + n),
                    window,
                    marker,
                    tally,
                )
                for n in range(load.clients)
            ),
        )
    return tally


def drive(
    target: Target,
    calls: Sequence[Call],
    *,
    headers: Mapping[str, str],
    load: Load,
    marker: bytes | None = None,
) -> Tally:
    """``load.clients`` keep-alive clients posting random calls: warm-up, then the measured window.

    Only 200 answers that contain their call's ``expect`` count; anything else is an error.
    """
    # uvloop (installed with uvicorn[standard]) keeps the load generator's own CPU share down.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_drive(target, calls, headers, load, marker))


# --- figures and the results file ---------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0.0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, int(-(-fraction * len(sorted_values) // 1)))  # ceil without floats drifting
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass(frozen=True)
class RunFigures:
    target: str
    workers: int
    round: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    flagged_share: float  # of the measured answers
    server_cpu_ms: float  # per answered request
    postgres_cpu_ms: float  # per answered request
    client_cores: float  # CPU used by the load generator during the window, in cores
    other_cores: float  # CPU used by every other process on the machine (noise), in cores
    steal_share: float  # of the machine's CPU time taken back by the hypervisor
    new_connections: int = 0  # database sessions opened during the run (pool churn)

    @classmethod
    def of(cls, tally: Tally, *, target: str, workers: int, round_: int, load: Load) -> RunFigures:
        latencies = sorted(tally.latencies_ms)
        answered = max(1, len(latencies))
        ours = sum(tally.cpu.get(name, 0.0) for name in ("client", "server", "postgres"))
        return cls(
            target=target,
            workers=workers,
            round=round_,
            requests_per_second=len(latencies) / load.duration,
            p50_ms=percentile(latencies, 0.50),
            p95_ms=percentile(latencies, 0.95),
            p99_ms=percentile(latencies, 0.99),
            errors=tally.errors,
            flagged_share=tally.flagged / answered,
            server_cpu_ms=tally.cpu.get("server", 0.0) * 1000 / answered,
            postgres_cpu_ms=tally.cpu.get("postgres", 0.0) * 1000 / answered,
            client_cores=tally.cpu.get("client", 0.0) / load.duration,
            other_cores=max(0.0, tally.cpu.get("machine", 0.0) - ours) / load.duration,
            steal_share=tally.cpu.get("steal", 0.0) / (load.duration * (os.cpu_count() or 1)),
        )

    HEADER = (
        "| target | workers | run | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| server CPU ms/req | PostgreSQL CPU ms/req | load generator cores "
        "| other processes cores | steal | new PG connections |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )

    def row(self) -> str:
        return (
            f"| {self.target} | {self.workers} | {self.round} | {self.requests_per_second:.0f} "
            f"| {self.p50_ms:.1f} | {self.p95_ms:.1f} | {self.p99_ms:.1f} | {self.errors} "
            f"| {self.server_cpu_ms:.2f} | {self.postgres_cpu_ms:.2f} "
            f"| {self.client_cores:.2f} | {self.other_cores:.2f} | {self.steal_share:.0%} "
            f"| {self.new_connections} |"
        )

    def line(self) -> str:
        return (
            f"{self.target:5} workers={self.workers} run {self.round}: "
            f"{self.requests_per_second:6.0f} req/s  p50 {self.p50_ms:6.1f}  "
            f"p95 {self.p95_ms:6.1f}  p99 {self.p99_ms:6.1f} ms  errors {self.errors}  "
            f"(server {self.server_cpu_ms:.1f} ms CPU/req, other processes "
            f"{self.other_cores:.2f} cores, steal {self.steal_share:.0%})"
        )


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_lines(postgres_version: str) -> list[str]:
    """Markdown bullet lines describing where the figures were measured."""
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("fastapi", "uvicorn", "sqlalchemy", "psycopg")
    )
    return [
        f"- machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}",
        f"- software: Python {platform.python_version()}, PostgreSQL {postgres_version}, {packages}",
    ]


def write_results_section(name: str, body: str, path: Path = RESULTS_PATH) -> None:
    """Replace this benchmark's marked section of RESULTS.md (other sections are left as they are)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    head, found_start, rest = text.partition(start)
    _, found_end, tail = rest.partition(end)
    if found_start and found_end:
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    # Written aside then renamed: another benchmark updating its own section never reads half a file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
