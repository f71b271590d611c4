"""What ``bench.pages`` times: the endpoints, signed in through the app's own login, and the floor
(a bare FastAPI route reading a page of devices by primary key)."""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from fastapi import FastAPI, Response
from sqlalchemy import create_engine, text

from bench._common import autocommit, uvicorn_server
from bench._pages_world import PASSWORD, World
from collecte.auth.models import Role
from collecte.devices.codes import format_code

RUNS = 7
WARMUPS = 2
PAGE = 50
DEEP = 50_000  # rows into the available devices: the deep API page
DATABASE_URL_VARIABLE = "BENCH_PAGES_DATABASE_URL"
HTML = {"Accept": "text/html"}


# --- the floor -----------------------------------------------------------------------------------

_FLOOR = text("SELECT * FROM devices WHERE id < :after ORDER BY id DESC LIMIT 50")


def floor_factory() -> FastAPI:
    """One sync route: the 50 devices below an id, by primary key, as JSON (the plainest page)."""
    engine = create_engine(os.environ[DATABASE_URL_VARIABLE], pool_size=2)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/floor")
    def floor(after: int) -> Response:
        """A page of devices below ``after``, newest first (serialised by json, no encoder)."""
        with engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(_FLOOR, {"after": after})]
        return Response(json.dumps(rows, default=str), media_type="application/json")

    return app


# --- what to ask ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """Values the requests need, read from the database at this size."""

    fragment: str  # six characters of a serial of the staff's workshop
    fragment_code: str  # the device that serial belongs to
    device_code: str  # a staff-workshop device with a long history (handed over)
    available: int
    depth: int  # how deep among the available devices the deep page starts
    cursor: int  # the id of the device at that depth (the last one of the page before)
    cursor_code: str  # its code: the API's cursor (it answers codes, not ids)
    after_code: str  # the code of the available device right after it: the deep page's first


def facts(url: str, world: World) -> Facts:
    with autocommit(url) as connection:
        serial, fragment_code = connection.execute(
            text(
                "SELECT serial, code FROM devices WHERE organization_id = :w "
                "AND status = 'available' ORDER BY id LIMIT 1"
            ),
            {"w": world.staff_workshop_id},
        ).one()
        device_code = connection.execute(
            text(
                "SELECT code FROM devices WHERE organization_id = :w "
                "AND status = 'handed_over' ORDER BY id DESC LIMIT 1"
            ),
            {"w": world.staff_workshop_id},
        ).scalar_one()
        available = connection.execute(
            text("SELECT count(*) FROM devices WHERE status = 'available'")
        ).scalar_one()
        # The deepest page that still has a full page after it, when there are fewer than DEEP.
        depth = max(1, min(DEEP, available - PAGE))
        cursor, cursor_code = connection.execute(
            text(
                "SELECT id, code FROM devices WHERE status = 'available' "
                "ORDER BY id DESC LIMIT 1 OFFSET :depth"
            ),
            {"depth": depth - 1},
        ).one()
        after_code = connection.execute(
            text(
                "SELECT code FROM devices WHERE status = 'available' AND id < :cursor "
                "ORDER BY id DESC LIMIT 1"
            ),
            {"cursor": cursor},
        ).scalar_one()
    return Facts(
        serial[2:8], fragment_code, device_code, available, depth, cursor, cursor_code, after_code
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    role: Role
    method: str
    path: str
    api: bool  # bearer token (else the page session cookie)
    body: dict[str, Any] | None = None
    marker: str | None = None  # the answer must contain it
    in_verdict: bool = True


def endpoints(world: World, facts: Facts) -> list[Endpoint]:
    staff, admin = Role.TECHNICIAN, Role.ADMIN
    donor = world.big_donor_id
    available = f"/api/v1/devices?status=available&limit={PAGE}"
    return [
        Endpoint("search_serial_page", staff, "GET", f"/devices?q={facts.fragment}", False,
                 marker=format_code(facts.fragment_code)),
        Endpoint("search_nomatch_page", staff, "GET", "/devices?q=QQQQQ", False),
        Endpoint("search_nomatch_api", admin, "GET", "/api/v1/devices?q=QQQQQ", True, marker="[]"),
        Endpoint("donor_home", Role.DONOR, "GET", "/", False),
        Endpoint("traceability_api", Role.DONOR, "GET",
                 f"/api/v1/organizations/{donor}/traceability", True),
        Endpoint("devices_page_admin", admin, "GET", "/devices", False),
        Endpoint("devices_page_staff", staff, "GET", "/devices", False),
        Endpoint("deep_page_api", admin, "GET", f"{available}&after={facts.cursor_code}", True),
        Endpoint("offset_page_api", admin, "GET", f"{available}&offset={facts.depth}", True,
                 in_verdict=False),
        Endpoint("board", Role.COORDINATOR, "GET", "/pickups", False),
        Endpoint("device_page", staff, "GET", f"/devices/{facts.device_code}", False,
                 marker=format_code(facts.device_code)),
        Endpoint("scan_api", staff, "POST", "/api/v1/scan", True,
                 body={"code": facts.device_code}, marker=facts.device_code),
        *(
            Endpoint(f"home_{role.value}", role, "GET", "/", False)
            for role in (Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN, Role.PARTNER,
                         Role.AUDITOR)
        ),
    ]  # fmt: skip


# --- signing in and timing -----------------------------------------------------------------------


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if match is None:
        raise RuntimeError("the sign-in page carries no CSRF token")
    return match.group(1)


@contextmanager
def signed_in(base_url: str, world: World) -> Iterator[dict[tuple[Role, bool], httpx2.Client]]:
    """Per role, a client signed in through the pages' form and one holding an API token."""
    clients: dict[tuple[Role, bool], httpx2.Client] = {}
    try:
        for role, email in world.emails.items():
            page = httpx2.Client(base_url=base_url, timeout=60.0, headers=HTML)
            clients[(role, False)] = page
            token = _csrf(page.get("/login").text)
            answer = page.post(
                "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
            )
            if answer.status_code != 303:
                raise RuntimeError(f"{role} could not sign in: {answer.status_code}")
            api = httpx2.Client(base_url=base_url, timeout=60.0)
            clients[(role, True)] = api
            issued = api.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
            issued.raise_for_status()
            api.headers["Authorization"] = f"Bearer {issued.json()['access_token']}"
        yield clients
    finally:
        for client in clients.values():
            client.close()


def _once(client: httpx2.Client, endpoint: Endpoint) -> tuple[float, httpx2.Response]:
    started = time.perf_counter()
    answer = client.request(endpoint.method, endpoint.path, json=endpoint.body)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200 or (
        endpoint.marker is not None and endpoint.marker not in answer.text
    ):
        raise RuntimeError(
            f"{endpoint.name} ({endpoint.path}): {answer.status_code} {answer.text[:300]!r}"
        )
    return elapsed, answer


@dataclass(frozen=True)
class Timed:
    medians: dict[str, float]  # endpoint name (and "floor") -> median ms
    after_honoured: bool  # the deep page starts right after the cursor (keyset paging in place)
    load: tuple[float, float, float]


def measure(url: str, world: World, facts: Facts, env: dict[str, str]) -> Timed:
    """Every endpoint and the floor, in turns: warm-ups, then RUNS rounds; the medians."""
    wanted = endpoints(world, facts)
    samples: dict[str, list[float]] = {endpoint.name: [] for endpoint in wanted}
    samples["floor"] = []
    floor_env = {**env, DATABASE_URL_VARIABLE: url}
    with (
        uvicorn_server("collecte.app:create_app", workers=1, env=env, ready_timeout=60) as app,
        uvicorn_server("bench._pages_measure:floor_factory", workers=1, env=floor_env) as floor,
        signed_in(app.base_url, world) as clients,
        httpx2.Client(base_url=floor.base_url, timeout=60.0) as bare,
    ):
        floor_call = Endpoint("floor", Role.ADMIN, "GET", f"/floor?after={facts.cursor}", True)
        after_honoured = True
        for round_ in range(WARMUPS + RUNS):
            for endpoint in wanted:
                elapsed, answer = _once(clients[(endpoint.role, endpoint.api)], endpoint)
                if endpoint.name == "deep_page_api":
                    # The page must start with the device right after the cursor.
                    page = json.loads(answer.text)
                    after_honoured &= bool(page) and page[0]["code"] == facts.after_code
                if round_ >= WARMUPS:
                    samples[endpoint.name].append(elapsed)
            elapsed, answer = _once(bare, floor_call)
            if len(answer.json()) != PAGE:
                raise RuntimeError("the floor did not read a full page")
            if round_ >= WARMUPS:
                samples["floor"].append(elapsed)
        load = os.getloadavg()
    return Timed(
        medians={name: statistics.median(values) for name, values in samples.items()},
        after_honoured=after_honoured,
        load=load,
    )
