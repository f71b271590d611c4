"""Fixtures: a migrated database per backend, a savepoint per test, an app and a client on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from collecte.app import create_app
from collecte.config import Settings
from collecte.core.db import make_engine
from collecte.core.events import number_events
from collecte.core.migrations import upgrade_database
from tests.dbutil import database_backends, fresh_database

# No test asks the public geocoder: every Settings built in the run (and the servers and CLI
# commands it starts) reads this; a test that geocodes points it at its local stand-in.
os.environ["COLLECTE_GEOCODER_URL"] = ""


@pytest.fixture(scope="session", params=database_backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database migrated to head, one per backend for the whole run."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        upgrade_database(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Application commits only release a SAVEPOINT, so each test sees a clean database.
    """
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-not-for-production",
        login_max_failures=3,
    )


@pytest.fixture
def app(settings: Settings, db: Session) -> Iterator[FastAPI]:
    app = create_app(settings)

    def session_in_test_transaction() -> Iterator[Session]:
        # Each request runs in its own SAVEPOINT: a failed request rolls back its own writes only,
        # never the rows the test set up before it.
        # Events are numbered as their transaction commits: what the test wrote before this
        # request stands for committed data, and the request's own are numbered as it commits.
        number_events(db)
        request_transaction = db.begin_nested()
        try:
            yield db
            if request_transaction.is_active:
                number_events(db)
                request_transaction.commit()
        except BaseException:
            if request_transaction.is_active:
                request_transaction.rollback()
            raise

    app.state.open_session = contextmanager(session_in_test_transaction)

    @contextmanager
    def connection_in_test_transaction() -> Iterator[Connection]:
        with app.state.open_session() as session:
            yield session.connection()

    app.state.open_connection = connection_in_test_transaction
    yield app
    app.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
