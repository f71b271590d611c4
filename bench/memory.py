"""Worker memory at rest: a ``collecte serve`` worker's RSS beside the plainest FastAPI app's.

Both servers run in a subprocess as production runs them: ``collecte serve`` (which becomes
``python -m uvicorn collecte.app:create_app --factory``) and, for the floor, ``python -m uvicorn
bench._memory_floor:create_app --factory`` (one JSON route); the app on a fresh SQLite data
directory holding the demo network (``collecte db upgrade`` then ``collecte demo``).

"At rest" means: started; warmed as an admin by one request to each main page (the sign-in form,
the sign-in itself, the home page, the device list, one device's page, the pickup board); then
idle for ``--idle`` seconds. "Just started" is read after the first answer (``/healthz``; the
floor's one route). VmRSS is read from ``/proc/PID/status`` of the process that serves requests:
with one worker, uvicorn serves in the process it was started in.

Target (issue 13, item 4): a worker under 150 MB at rest.

    python -m bench memory [--rounds 3] [--idle 3]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx2

from bench._common import (
    LOOPBACK,
    PROJECT_ROOT,
    free_port,
    process_tree,
    stop,
    wait_until_serving,
    write_results_section,
)

TARGET_MB = 150.0
MB = 1024 * 1024
READY_TIMEOUT = 60.0
# The console script pip installed beside this interpreter: exactly what an operator runs.
COLLECTE = Path(sys.executable).with_name("collecte")
DEVICE_LINK = re.compile(r'href="/devices/([0-9A-Z]{8})"')
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Memory:
    """VmRSS and its anonymous/file split, in MB."""

    rss: float
    anon: float
    file: float

    @classmethod
    def of(cls, pid: int) -> Memory:
        fields = {}
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in {"VmRSS", "RssAnon", "RssFile", "RssShmem"}:
                fields[name] = int(value.split()[0]) * 1024 / MB  # the kernel counts kB
        return cls(
            rss=fields["VmRSS"],
            anon=fields["RssAnon"],
            file=fields["RssFile"] + fields.get("RssShmem", 0.0),
        )


@dataclass(frozen=True)
class Sample:
    just_started: Memory
    at_rest: Memory


def _worker_pid(pid: int) -> int:
    """The process serving requests: the server itself with one worker (uvicorn forks none)."""
    tree = process_tree(pid)
    if len(tree) != 1:
        raise RuntimeError(f"expected one serving process, found {tree}")
    return pid


@contextlib.contextmanager
def serving(
    command: Sequence[str], env: Mapping[str, str], ready_path: str
) -> Iterator[tuple[str, int]]:
    """Run a server command until the block ends; yield its base URL and serving process's id
    once it answers its first request."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [*command, "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://{LOOPBACK}:{port}"
    try:
        # Not /openapi.json: building the schema would weigh on the worker measured.
        wait_until_serving(base_url, process, READY_TIMEOUT, path=ready_path)
        yield base_url, _worker_pid(process.pid)
    finally:
        stop(process)


def warm_collecte(base_url: str, email: str, password: str) -> None:
    """One request to each main page, signed in as the admin."""
    with httpx2.Client(base_url=base_url, timeout=30.0) as client:
        form = client.get("/login")
        form.raise_for_status()
        token = CSRF_INPUT.search(form.text)
        if token is None:
            raise RuntimeError("no CSRF token on the sign-in form")
        fields = {"csrf_token": token.group(1), "email": email, "password": password, "next": "/"}
        signed_in = client.post("/login", data=fields)
        if signed_in.status_code != 303:
            raise RuntimeError(f"sign-in refused: {signed_in.status_code}")
        client.get("/").raise_for_status()
        devices = client.get("/devices")
        devices.raise_for_status()
        code = DEVICE_LINK.search(devices.text)
        if code is None:
            raise RuntimeError("no device on the device list")
        client.get(f"/devices/{code.group(1)}").raise_for_status()
        client.get("/pickups").raise_for_status()


def warm_floor(base_url: str) -> None:
    """As many requests as the app's warm-up makes, to the floor's one route."""
    with httpx2.Client(base_url=base_url, timeout=30.0) as client:
        for _ in range(6):
            client.get("/").raise_for_status()


def measure(
    command: Sequence[str],
    env: Mapping[str, str],
    ready_path: str,
    warm: Callable[[str], None],
    idle: float,
) -> Sample:
    """Start a server, read its RSS once it answers, warm it, let it idle, read it again."""
    with serving(command, env, ready_path) as (base_url, pid):
        just_started = Memory.of(pid)
        warm(base_url)
        time.sleep(idle)
        return Sample(just_started=just_started, at_rest=Memory.of(pid))


def demo_data_dir(data_dir: Path) -> tuple[str, str]:
    """Migrate a fresh data directory and load the demo into it; the admin's email and password."""
    env = {**os.environ, "COLLECTE_DATA_DIR": str(data_dir)}
    for arguments in (["db", "upgrade"], ["demo"]):
        subprocess.run(  # noqa: S603 (our own console script)
            [str(COLLECTE), *arguments], env=env, check=True, capture_output=True
        )
    for line in (data_dir / "demo-logins.txt").read_text(encoding="utf-8").splitlines():
        role, email, password = line.split("\t")
        if role == "admin":
            return email, password
    raise RuntimeError("the demo has no admin")


def _median(samples: Sequence[Sample], pick: Callable[[Sample], Memory]) -> Memory:
    chosen = [pick(sample) for sample in samples]
    return Memory(
        rss=statistics.median(m.rss for m in chosen),
        anon=statistics.median(m.anon for m in chosen),
        file=statistics.median(m.file for m in chosen),
    )


def _row(name: str, samples: Sequence[Sample]) -> str:
    started = _median(samples, lambda s: s.just_started)
    rest = _median(samples, lambda s: s.at_rest)
    runs = ", ".join(f"{s.at_rest.rss:.1f}" for s in samples)
    return (
        f"| {name} | {started.rss:.1f} | {rest.rss:.1f} | {rest.anon:.1f} | {rest.file:.1f} "
        f"| {runs} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure both servers ``--rounds`` times, print and record the medians; 1 above target."""
    parser = argparse.ArgumentParser(prog="python -m bench memory", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before reading")
    options = parser.parse_args(argv)

    # Started as ``collecte serve`` starts the app: it becomes ``python -m uvicorn … --factory``.
    floor_command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench._memory_floor:create_app",
        "--factory",
    ]
    app_samples: list[Sample] = []
    floor_samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as directory:
        data_dir = Path(directory)
        email, password = demo_data_dir(data_dir)
        # No geocoder: nothing may call a server outside this machine.
        env = {"COLLECTE_DATA_DIR": str(data_dir), "COLLECTE_GEOCODER_URL": ""}
        for round_ in range(1, options.rounds + 1):
            app = measure(
                [str(COLLECTE), "serve"],
                env,
                "/healthz",
                lambda url: warm_collecte(url, email, password),
                options.idle,
            )
            floor = measure(floor_command, env, "/", warm_floor, options.idle)
            app_samples.append(app)
            floor_samples.append(floor)
            print(
                f"round {round_}: worker just started {app.just_started.rss:.1f} MB, at rest "
                f"{app.at_rest.rss:.1f} MB; floor {floor.just_started.rss:.1f} / "
                f"{floor.at_rest.rss:.1f} MB",
                flush=True,
            )

    worker = _median(app_samples, lambda s: s.at_rest).rss
    floor_rss = _median(floor_samples, lambda s: s.at_rest).rss
    verdict = "PASS" if worker < TARGET_MB else "FAIL"
    write_results_section(
        "memory",
        "\n".join(
            [
                "## Memory: a `collecte serve` worker at rest",
                "",
                f"Measured {dt.datetime.now(tz=dt.UTC):%Y-%m-%d}, Python "
                f"{platform.python_version()}, {options.rounds} rounds (medians), idle "
                f"{options.idle:g} s. Run: `python -m bench memory`. A `collecte serve` worker (one "
                "worker: uvicorn serves in the process it started in) on the demo network, "
                "SQLite; warmed as the admin by the sign-in form and sign-in, home, device list, "
                "one device page and the pickup board. Floor: a bare FastAPI app with one route, "
                "started the same way (`python -m uvicorn … --factory`), warmed by six requests.",
                "",
                "Before the memory work (same demo, 2 rounds): 169.5 MB just started, 203 MB at "
                "rest. Saved: pyvroom imported when a route is planned (it brings pandas and "
                "numpy): 51 MB; glibc's mapping threshold fixed so that an argon2 hash's 19 MiB "
                "goes back when it ends: 19 MB; `collecte serve` becomes uvicorn, its worker "
                "without the command line's modules: 11 MB. Left on the table: reportlab, PIL and "
                "zxing-cpp at start-up (about 10 MB, the routes that draw PDFs and labels import "
                "them at module level); the device page's first render (4 MB of a locale's Babel "
                "data, the compiled templates): about 10 MB.",
                "",
                "| process | just started MB | at rest MB | anonymous MB | file-backed MB "
                "| at rest, each round |",
                "|---|---:|---:|---:|---:|---|",
                _row("`collecte serve` worker", app_samples),
                _row("floor: bare FastAPI + uvicorn", floor_samples),
                "",
                f"Target: worker at rest < {TARGET_MB:.0f} MB: **{verdict}**.",
            ]
        ),
    )
    print(
        f"memory: worker at rest {worker:.0f} MB (target < {TARGET_MB:.0f}), floor {floor_rss:.0f} MB"
    )
    return 0 if worker < TARGET_MB else 1
