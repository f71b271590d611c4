"""Test databases: a fresh SQLite file or a fresh PostgreSQL database per run, migrated to head."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

POSTGRES_URL_VARIABLE = "COLLECTE_TEST_DATABASE_URL"


def postgres_base_url() -> str | None:
    """The PostgreSQL server the tests may use (CI sets it; without it only SQLite runs)."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def database_backends() -> list[str]:
    return ["sqlite", "postgresql"] if postgres_base_url() else ["sqlite"]


@contextmanager
def fresh_postgres_database(base_url: str) -> Iterator[str]:
    """Create a uniquely named database on the server, yield its URL, drop it afterwards."""
    url = make_url(base_url)
    name = f"collecte_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """An empty database of this backend (not migrated)."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'collecte-{uuid.uuid4().hex[:8]}.db'}"
        return
    base_url = postgres_base_url()
    assert base_url, f"{POSTGRES_URL_VARIABLE} is not set"
    with fresh_postgres_database(base_url) as url:
        yield url


def statements_of(db: Session, run: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL statements (with their parameters) the session's connection runs while ``run`` runs."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        seen.append((statement, parameters))

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(connection, "before_cursor_execute", note)
    return seen
