"""Engine, sessions and the declarative base.

One request is one transaction: ``get_session`` commits when the route returns and rolls back
when it raises, and it is declared with ``scope="function"`` so the commit happens before the
response leaves (a client never reads before its own write is visible).

On SQLite, a request that may write begins its transaction with ``BEGIN IMMEDIATE``: it takes the
write lock first and waits for it (the busy timeout) before reading. A deferred transaction that
reads and then writes has to upgrade its lock, and SQLite cannot wait there (another writer may
have changed what it read): it answers "database is locked" at once. Reads (GET, the plain scan)
stay deferred, so in WAL mode they never wait for writers.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    MetaData,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def among(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column IN (ids)`` for integer ids, the numbers written into the statement rather than
    bound one parameter each. psycopg rewrites on the client every statement of more than 50
    parameters, which for 5,000 ids took ten times what the database did; integers need no
    quoting, and SQLite's limit on bound parameters no longer applies."""
    values = sorted(set(ids))
    return column.in_(bindparam(None, values, expanding=True, literal_execute=True))  # type: ignore[no-any-return]


SQLITE_BEGIN = "collecte_sqlite_begin"
"""The execution option naming how a SQLite transaction begins ("IMMEDIATE" for writers)."""

WRITING_OPTIONS = {SQLITE_BEGIN: "IMMEDIATE"}
"""Execution options of a transaction that will write (ignored but by SQLite)."""

_READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin, so that SAVEPOINTs and
        # transactional DDL (migrations) behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings Collecte relies on for this database."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # A connection is pinged as it leaves the pool when it sat there for more than 0.1 s, less
    # than any restart of the server takes: a restart fails only the requests it caught in flight
    # or met while it was down, since the connections a worker kept through it are dead and
    # replaced before a request draws one (tests/faults/test_database_restart.py fails without
    # the ping). A connection used by a request when the server goes fails that request, and
    # the pool then drops every connection as old as it. Under steady load a connection is back
    # at work within milliseconds (the pool lends the last one returned) and is not pinged:
    # pinging every checkout (SQLAlchemy's ``pool_pre_ping``) cost a round trip per request,
    # which with 2 workers on 2 cores put the scan's p99 at 1.50-1.70 times the floor's, against
    # 1.16-1.27 without (bench/scan.py). Recycling still closes connections idle for long, which a
    # firewall or a proxy may have dropped without a word.
    kwargs.setdefault("pool_recycle", 1800)
    kwargs.setdefault("pool_use_lifo", True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _without_jit)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    return engine


IDLE_PING_SECONDS = 0.1
_CHECKED_IN = "collecte.checked_in"


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_if_idle(dialect: Any, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    checked_in = record.info.get(_CHECKED_IN)
    if checked_in is None or time.monotonic() - checked_in < IDLE_PING_SECONDS:
        return  # just connected, or back from work a moment ago
    try:
        dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as exc:
        if dialect.is_disconnect(exc, dbapi_connection, None):
            raise DisconnectionError from exc  # the pool discards it and draws another
        raise


def _without_jit(dbapi_connection: Any, _record: Any) -> None:
    # PostgreSQL compiles a plan to machine code when its estimated cost is high, which the rule
    # facts of 10,000 devices reach: compiling took 0.5 s of a 0.7 s query (bench/allocation.py).
    # Collecte's statements are short; none gains from it. Set once per connection, and
    # committed: a setting made in a transaction rolled back (as the pool's reset does) is undone.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction for a CLI command or a job: commit on success, roll back on error."""
    with factory() as session, session.begin():
        session.connection(execution_options=WRITING_OPTIONS)
        yield session


@contextmanager
def request_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One request's session: committed when the work returns, rolled back if it raises."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def open_session(request: Request) -> AbstractContextManager[Session]:
    """The request's transaction, as the application was built to open it.

    ``app.state.open_session`` is the one place sessions come from: the tests replace it to run
    every request inside a test's transaction, whether a route takes ``SessionDep`` or opens its
    session itself (the scan route does, to save the threadpool hops of sync dependencies).
    """
    opener: Callable[[], AbstractContextManager[Session]] = request.app.state.open_session
    return _for_method(opener(), request.method)


@contextmanager
def _for_method(opened: AbstractContextManager[Session], method: str) -> Iterator[Session]:
    with opened as session:
        # A session that has not begun yet begins as a writer unless the request only reads; one
        # already in a transaction (a test's) keeps it.
        if method not in _READING_METHODS and not session.in_transaction():
            session.connection(execution_options=WRITING_OPTIONS)
        yield session


def open_connection(request: Request) -> AbstractContextManager[Connection]:
    """A Core connection in its own transaction, for a route that needs no ORM (the plain scan):
    ``app.state.open_connection``, which the tests replace as they replace ``open_session``."""
    opener: Callable[[], AbstractContextManager[Connection]] = request.app.state.open_connection
    return opener()


def get_session(request: Request) -> Iterator[Session]:
    """The request's session; committed when the route returns, rolled back if it raises."""
    with open_session(request) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
