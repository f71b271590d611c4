"""The mixed workload of ``bench.load``: clients signed in like browsers, requests drawn by weight.

Each client is its own keep-alive HTTP client (one connection, its own cookies), signed in on the
pages once, then sends, at random by weight:

- scan: ``POST /api/v1/scan`` of a seeded code, one in five with the ``print_label`` action;
- page: a signed-in HTML page: ``/``, ``/devices``, a device's page or ``/scan``;
- intake: ``POST /api/v1/devices``, one device received;
- label: ``GET /api/v1/devices/{code}/label.pdf`` on one of the PDF label stocks.

An answer counts only if it is the expected one (200, or 201 for an intake, with the expected
content: a redirect to the sign-in page is an error); anything else or no answer is an error,
during the warm-up too. Latencies are kept for the measured window only.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx2
import uvloop

from bench._common import cpu_seconds, cpu_used, machine_cpu, percentile, process_tree
from collecte.core.web import CSRF_FIELD
from collecte.devices.checklists import Category

WEIGHTS = {"scan": 50, "page": 25, "intake": 15, "label": 10}  # percent of the requests
KINDS = tuple(WEIGHTS)
LABEL_TEMPLATES = ("brother-dk11209", "brother-dk11201", "avery-l7651")  # the PDF stocks
SCAN_ACTION_SHARE = 0.2  # scans that also print a label (an event), as a station does
SEED = 9
_CSRF = re.compile(rf'name="{CSRF_FIELD}" value="([^"]+)"')


@dataclass(frozen=True)
class Seeded:
    codes: list[str]
    site_ids: list[int]
    donor_ids: list[int]
    logins: list[tuple[str, str]]  # (email, password) of each technician
    tokens: list[str]  # their bearer tokens, in the same order
    user_id: int  # the first technician (the floor's scans name it)


def intake_row(
    rng: random.Random, site_ids: Sequence[int], donor_ids: Sequence[int], *, serial: str
) -> dict[str, object]:
    """One device as received at intake: mostly laptops and desktops, some phones and screens."""
    category = rng.choices(
        (Category.LAPTOP, Category.DESKTOP, Category.SMARTPHONE, Category.MONITOR), (6, 2, 1, 1)
    )[0]
    brand, model, weight = {
        Category.LAPTOP: ("Lenovo", "ThinkPad T480", 1.6),
        Category.DESKTOP: ("Dell", "OptiPlex 7050", 5.2),
        Category.SMARTPHONE: ("Samsung", "Galaxy A52", 0.2),
        Category.MONITOR: ("Iiyama", "ProLite XU2493", 3.4),
    }[category]
    return {
        "category": category.value,
        "brand": brand,
        "model": model,
        "serial": serial,
        "has_storage": category is not Category.MONITOR,
        "weight_kg": weight,
        "site_id": rng.choice(site_ids),
        "donor_id": rng.choice(donor_ids),
    }


@dataclass
class KindTally:
    latencies_ms: list[float] = field(default_factory=list)  # measured window only
    ok: int = 0  # warm-up included
    errors: int = 0  # warm-up included
    examples: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.examples) < 3:
            self.examples.append(what)


@dataclass
class Mix:
    """What the clients report: a tally per kind, and the CPU used in the measured window."""

    tallies: dict[str, KindTally] = field(default_factory=lambda: {k: KindTally() for k in KINDS})
    cpu: dict[str, float] = field(default_factory=dict)


async def sign_in(http: httpx2.AsyncClient, email: str, password: str) -> None:
    """Sign in through the pages, as a browser does: the form's CSRF token, then the post."""
    form = await http.get("/login")
    found = _CSRF.search(form.text)
    if form.status_code != 200 or found is None:
        raise RuntimeError(f"no sign-in form: {form.status_code} {form.text[:200]}")
    answer = await http.post(
        "/login",
        data={"email": email, "password": password, CSRF_FIELD: found.group(1), "next": "/"},
    )
    if answer.status_code != 303 or answer.headers.get("location") != "/":
        raise RuntimeError(f"sign-in refused: {answer.status_code} {answer.text[:200]}")


async def send(
    http: httpx2.AsyncClient, kind: str, rng: random.Random, seeded: Seeded, token: str
) -> str | None:
    """One request of this kind; None when the answer is the expected one, else what it was."""
    bearer = {"authorization": f"Bearer {token}"}
    code = rng.choice(seeded.codes)
    if kind == "scan":
        action = "print_label" if rng.random() < SCAN_ACTION_SHARE else None
        response = await http.post(
            "/api/v1/scan", json={"code": code, "action": action}, headers=bearer
        )
        expected = response.status_code == 200 and code in response.text
    elif kind == "page":
        path = rng.choice(("/", "/devices", f"/devices/{code}", "/scan"))
        response = await http.get(path)
        expected = response.status_code == 200 and "<html" in response.text
    elif kind == "intake":
        row = intake_row(rng, seeded.site_ids, seeded.donor_ids, serial=f"LOAD-{rng.random():.12f}")
        response = await http.post("/api/v1/devices", json=row, headers=bearer)
        expected = response.status_code == 201 and '"code"' in response.text
    else:
        template = rng.choice(LABEL_TEMPLATES)
        response = await http.get(
            f"/api/v1/devices/{code}/label.pdf", params={"template": template}, headers=bearer
        )
        expected = response.status_code == 200 and response.content.startswith(b"%PDF")
    if expected:
        return None
    where = response.headers.get("location", "")
    return f"{response.request.method} {response.request.url.path}: {response.status_code} {where} {response.text[:200]}"


async def _client(
    http: httpx2.AsyncClient,
    n: int,
    seeded: Seeded,
    window: tuple[float, float],
    mix: Mix,
) -> None:
    rng = random.Random(SEED * 1000 + n)
    token = seeded.tokens[n % len(seeded.tokens)]
    measure_from, deadline = window
    while (started := time.perf_counter()) < deadline:
        kind = rng.choices(KINDS, weights=tuple(WEIGHTS.values()))[0]
        tally = mix.tallies[kind]
        try:
            wrong = await send(http, kind, rng, seeded, token)
        except httpx2.HTTPError as exc:
            wrong = f"{kind}: {type(exc).__name__}: {exc}"
        if wrong is not None:
            tally.error(wrong)
            continue
        tally.ok += 1
        if started >= measure_from:
            tally.latencies_ms.append((time.perf_counter() - started) * 1000)


async def _sample_cpu(server_pid: int, window: tuple[float, float], mix: Mix) -> None:
    """CPU used in the measured window by the server, this load generator and the machine."""
    measure_from, deadline = window
    await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
    server = process_tree(server_pid)
    server_before, client_before, machine_before = (
        cpu_seconds(server),
        time.process_time(),
        machine_cpu(),
    )
    await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
    machine_after = machine_cpu()
    mix.cpu = {
        "server": cpu_used(server_before, cpu_seconds(server)),
        "client": time.process_time() - client_before,
        "machine": machine_after[0] - machine_before[0],
        "steal": machine_after[1] - machine_before[1],
    }


async def _sign_in_all(
    https: Sequence[httpx2.AsyncClient], logins: Sequence[tuple[str, str]]
) -> None:
    """Client n signs in as ``logins[n % len(logins)]`` (its token's account); each account's
    clients one after another. The login throttle locks the account's row for the length of a
    password check (argon2id, 0.2 s here), so simultaneous sign-ins to one account queue there
    anyway, and fifty at once outlasted the clients' timeout before the load even started."""

    async def one_account(k: int) -> None:
        for http in https[k :: len(logins)]:
            await sign_in(http, *logins[k])

    await asyncio.gather(*(one_account(k) for k in range(min(len(logins), len(https)))))


async def _drive(
    base_url: str, server_pid: int, seeded: Seeded, *, clients: int, warmup: float, duration: float
) -> Mix:
    mix = Mix()
    # One connection per client, kept alive, and its own cookie jar: a browser or a station each.
    limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
    https = [
        httpx2.AsyncClient(base_url=base_url, limits=limits, timeout=10.0) for _ in range(clients)
    ]
    try:
        await _sign_in_all(https, seeded.logins)
        measure_from = time.perf_counter() + warmup
        window = (measure_from, measure_from + duration)
        await asyncio.gather(
            _sample_cpu(server_pid, window, mix),
            *(_client(http, n, seeded, window, mix) for n, http in enumerate(https)),
        )
    finally:
        await asyncio.gather(*(http.aclose() for http in https))
    return mix


def drive_mix(
    base_url: str, server_pid: int, seeded: Seeded, *, clients: int, warmup: float, duration: float
) -> Mix:
    """Sign ``clients`` clients in, then drive the mix: warm-up, then the measured window."""
    # uvloop (installed with uvicorn[standard]) keeps the load generator's own CPU share down.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(
            _drive(base_url, server_pid, seeded, clients=clients, warmup=warmup, duration=duration)
        )


@dataclass(frozen=True)
class Row:
    name: str
    requests: int  # answered in the measured window
    per_second: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @classmethod
    def of(cls, name: str, latencies: Sequence[float], errors: int, duration: float) -> Row:
        """The figures of these (sorted) latencies, measured over ``duration`` seconds."""
        return cls(
            name,
            len(latencies),
            len(latencies) / duration,
            errors,
            percentile(latencies, 0.50),
            percentile(latencies, 0.95),
            percentile(latencies, 0.99),
        )


def rows(mix: Mix, duration: float) -> list[Row]:
    """A row per kind, then all of them together."""
    found = []
    for name in (*KINDS, "all"):
        tallies = list(mix.tallies.values()) if name == "all" else [mix.tallies[name]]
        latencies = sorted(ms for tally in tallies for ms in tally.latencies_ms)
        found.append(Row.of(name, latencies, sum(tally.errors for tally in tallies), duration))
    return found
