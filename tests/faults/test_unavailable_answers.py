"""A database out of reach is answered with a clean 503 ``database_unavailable``, never a 500.

No database is needed: the app is pointed at a loopback port nobody listens on, which is what a
stopped PostgreSQL looks like to it. ``test_database_restart.py`` checks the same answers against
a real restart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from bench._common import LOOPBACK, free_port
from collecte.app import create_app
from collecte.config import Settings
from collecte.core.handlers import database_unavailable


@dataclass
class DriverError(Exception):
    """What the handler reads of a psycopg error: the server's SQLSTATE, None if client-side."""

    sqlstate: str | None


@pytest.fixture
def unreachable(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        database_url=f"postgresql+psycopg://postgres@{LOOPBACK}:{free_port()}/collecte",
        secret_key="test-secret-not-for-production",
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_scan_answers_503_when_the_database_is_down(unreachable: TestClient) -> None:
    response = unreachable.post(
        "/api/v1/scan", json={"code": "ABCD1234"}, headers={"Authorization": "Bearer x.y.z"}
    )
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "database_unavailable"
    assert response.headers["Retry-After"] == "2"


def test_an_orm_route_answers_503_too(unreachable: TestClient) -> None:
    response = unreachable.get("/healthz")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


def test_a_page_shows_the_error_page_in_the_default_language(unreachable: TestClient) -> None:
    response = unreachable.get("/healthz", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert "text/html" in response.headers["content-type"]
    assert "la base de données est injoignable" in response.text


def _wrapped(error: type[DBAPIError], orig: Exception, *, invalidated: bool = False) -> DBAPIError:
    return error("SELECT 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("exc", "unavailable"),
    [
        (_wrapped(OperationalError, DriverError(None)), True),  # refused, reset, lost
        (_wrapped(OperationalError, DriverError("57P01")), True),  # terminated by a shutdown
        (_wrapped(OperationalError, DriverError("57P03")), True),  # starting up
        (_wrapped(OperationalError, DriverError("08006")), True),  # connection failure
        (_wrapped(OperationalError, DriverError("53300")), True),  # no connection slot left
        (_wrapped(DBAPIError, DriverError("XX000"), invalidated=True), True),  # seen to die
        (_wrapped(OperationalError, DriverError("40001")), False),  # a lost race: 409
        (_wrapped(OperationalError, DriverError("57014")), False),  # a statement timeout
        (_wrapped(IntegrityError, DriverError("23505")), False),
        (_wrapped(OperationalError, sqlite3.OperationalError("database is locked")), False),
        (ValueError("not a database error"), False),
    ],
)
def test_what_counts_as_unavailable(exc: Exception, unavailable: bool) -> None:
    assert database_unavailable(exc) is unavailable
