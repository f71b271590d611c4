"""PostgreSQL plumbing for benchmarks that run twice on the same data: a copy of a database, a
checkpoint between runs, the server's version (bench/_common.py has the throw-away database)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import NullPool, create_engine
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def postgres_database_copy(url: str, suffix: str = "copy") -> Iterator[str]:
    """A copy of a database (``CREATE DATABASE … TEMPLATE``: no one may be connected to it),
    dropped afterwards. The files are copied as they are (PostgreSQL 15's default copies through
    the buffer cache, evicting the source's pages that a run then reads)."""
    source = make_url(url)
    name = f"{source.database}_{suffix}"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            version = int(connection.exec_driver_sql("SHOW server_version_num").scalar() or 0)
            strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""
            connection.exec_driver_sql(
                f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"{strategy}'
            )
        try:
            yield source.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def checkpoint(url: str) -> None:
    """Write every dirty page now, so that the next run does not pay for the last one's."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("CHECKPOINT")
    finally:
        engine.dispose()


def server_version(url: str) -> str:
    """The PostgreSQL server's version, for the machine facts."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("SHOW server_version").scalar())
    finally:
        engine.dispose()
