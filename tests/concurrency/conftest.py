"""Fixtures of the concurrency tests: a committed database per backend, apps that share it.

These tests need real concurrent connections, so they cannot run inside the per-test savepoint
of ``tests/conftest.py`` (one connection, rolled back): each module gets a fresh migrated database
per backend, seeded through the services in committed transactions, and requests run from threads
against two apps on it, as two workers would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from threading import Barrier
from typing import Any, Protocol

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from collecte.app import create_app
from collecte.config import Settings
from collecte.core.db import make_engine, make_sessionmaker
from collecte.core.migrations import upgrade_database
from tests.dbutil import database_backends, fresh_database

LOGIN_MAX_FAILURES = 5


class Answer(Protocol):
    """What the tests read of a response (the test client's own class is not a dependency)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


Send = Callable[[TestClient], Answer]


@dataclass
class Deployment:
    """A migrated database, committed sessions on it, and two app workers serving it."""

    engine: Engine
    sessions: sessionmaker[Session]
    settings: Settings
    workers: Sequence[FastAPI]

    def concurrently(self, requests: Sequence[Send]) -> list[Answer]:
        """Send the requests at once, each from its own thread, alternating between workers."""
        start = Barrier(len(requests))

        def send(index: int) -> Answer:
            # No ``with``: the app's lifespan would dispose of the engine the others still use.
            client = TestClient(
                self.workers[index % len(self.workers)], raise_server_exceptions=False
            )
            start.wait()
            return requests[index](client)

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(send, range(len(requests))))


@pytest.fixture(scope="module", params=database_backends())
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    directory: Path = tmp_path_factory.mktemp("concurrency")
    with fresh_database(request.param, directory) as url:
        upgrade_database(url)
        settings = Settings(
            _env_file=None,
            data_dir=directory,
            database_url=url,
            secret_key="test-secret-not-for-production",
            login_max_failures=LOGIN_MAX_FAILURES,
        )
        workers = [create_app(settings), create_app(settings)]
        engine = make_engine(url)
        try:
            yield Deployment(engine, make_sessionmaker(engine), settings, workers)
        finally:
            engine.dispose()
            for worker in workers:
                worker.state.engine.dispose()


def status_counts(responses: Sequence[Answer]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for response in responses:
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
    return counts


def describe(responses: Sequence[Answer]) -> list[Any]:
    """The answers that were not expected, for the assertion message."""
    return [(r.status_code, r.text[:200]) for r in responses]
