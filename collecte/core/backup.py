"""Back up a database to one file and restore it: the CLI's ``db backup`` and ``db restore``.

SQLite goes through the online backup API (``sqlite3.Connection.backup``): it copies a consistent
snapshot page by page while the application keeps writing, and the copy is switched to a rollback
journal so the backup is one self-contained file (no ``-wal`` beside it). A restore runs the same
API the other way, so the configured file is replaced under SQLite's own locks rather than copied
over behind the back of open connections.

PostgreSQL goes through ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
--no-owner --single-transaction`` (all or nothing). The connection is handed to them as a libpq
URI without the password; the password, if the URL has one, travels in ``PGPASSWORD`` and is never
printed.

Either way a backup is written to a temporary file beside the target and renamed into place once
complete, so a failed backup never leaves a truncated file or spoils an earlier one. A restore
refuses a target that holds rows (``force`` overrides it); a freshly migrated database, with only
the rows the migrations seed, counts as empty.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, literal, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from collecte.core.db import make_engine
from collecte.devices.search import is_search_object

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
VERSION_TABLE = "alembic_version"
SEEDED_TABLES = frozenset({VERSION_TABLE, "event_sequence"})
"""Tables the migrations fill themselves: rows there do not make a database "hold data"
(``event_sequence`` is the events' counter; it moves only when ``events`` gets rows)."""


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, for a person."""


class TargetNotEmpty(BackupError):
    """The database to restore into already holds rows."""


@dataclass(frozen=True)
class BackupResult:
    backend: str
    path: Path
    size: int


@dataclass(frozen=True)
class RestoreResult:
    backend: str
    path: Path
    replaced_data: bool
    """Whether the target held rows that the restore replaced (only with ``force``)."""
    revision: str | None
    """The schema revision the restored database is at (``collecte db upgrade`` brings it on)."""


def describe(url: str) -> str:
    """The database for messages: the SQLite file, or the URL with its password masked."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database)
    return parsed.render_as_string(hide_password=True)


def backup_database(url: str, path: Path) -> BackupResult:
    """Write a backup of the database at ``url`` to ``path`` (replaced if it exists)."""
    parsed = make_url(url)
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"cannot write {path}: the folder {path.parent} does not exist")
    backend = parsed.get_backend_name()
    with _atomic_output(path) as temporary:
        if backend == "sqlite":
            _sqlite_backup(_sqlite_file(parsed), temporary)
        elif backend == "postgresql":
            _run_pg("pg_dump", ["--format=custom", f"--file={temporary}"], parsed)
        else:
            raise BackupError(f"backups of {backend} databases are not supported")
    return BackupResult(backend=backend, path=path, size=path.stat().st_size)


def restore_database(url: str, path: Path, *, force: bool = False) -> RestoreResult:
    """Restore the backup at ``path`` into the database at ``url``.

    Refuses (``TargetNotEmpty``) when the target already holds rows, unless ``force``: then a
    SQLite file is replaced whole, and on PostgreSQL every object the backup holds is dropped and
    recreated (objects the backup does not know are left alone).
    """
    parsed = make_url(url)
    path = Path(path)
    backend = parsed.get_backend_name()
    magic = _read_magic(path)
    if backend == "sqlite":
        if not magic.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} is not a SQLite backup")
        target = _sqlite_file(parsed, must_exist=False)
        revision = _sqlite_backup_revision(path)
        replaced = _sqlite_has_rows(target)
        if replaced and not force:
            raise TargetNotEmpty(f"the database {target} already holds data")
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_restore(path, target)
    elif backend == "postgresql":
        if not magic.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(f"{path} is not a PostgreSQL backup (pg_dump --format=custom)")
        replaced = _sql_has_rows(url)
        if replaced and not force:
            raise TargetNotEmpty(f"the database {describe(url)} already holds data")
        _run_pg(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)],
            parsed,
        )
        revision = _sql_revision(url)
    else:
        raise BackupError(f"restoring {backend} databases is not supported")
    return RestoreResult(backend=backend, path=path, replaced_data=replaced, revision=revision)


# --- files ---------------------------------------------------------------------------------------


@contextmanager
def _atomic_output(path: Path) -> Iterator[Path]:
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o600)  # a backup holds every account's data
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def _read_magic(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from exc


# --- SQLite --------------------------------------------------------------------------------------


def _sqlite_file(url: URL, *, must_exist: bool = True) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    path = Path(url.database)
    if must_exist and not path.is_file():
        raise BackupError(f"there is no database file at {path}")
    return path


def _sqlite_backup(source_path: Path, destination_path: Path) -> None:
    try:
        with (
            closing(sqlite3.connect(source_path, timeout=10)) as source,
            closing(sqlite3.connect(destination_path)) as destination,
        ):
            source.backup(destination)
            destination.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite backup failed: {exc}") from exc


def _sqlite_backup_revision(path: Path) -> str | None:
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as backup:
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
            if VERSION_TABLE not in tables:
                raise BackupError(f"{path} is not a Collecte backup (no {VERSION_TABLE} table)")
            row = backup.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read the backup {path}: {exc}") from exc
    return None if row is None else str(row[0])


def _sqlite_has_rows(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    return _sql_has_rows(f"sqlite:///{path}")


def _sqlite_restore(backup_path: Path, target_path: Path) -> None:
    try:
        with (
            closing(
                sqlite3.connect(f"{backup_path.resolve().as_uri()}?mode=ro", uri=True)
            ) as backup,
            closing(sqlite3.connect(target_path, timeout=10)) as target,
        ):
            backup.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite restore failed: {exc}") from exc


# --- PostgreSQL ----------------------------------------------------------------------------------


def _run_pg(program: str, arguments: list[str], url: URL) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} was not found on PATH: install the PostgreSQL client tools"
            " (the same major version as the server or newer)"
        )
    # libpq does not know SQLAlchemy's driver suffix (postgresql+psycopg://), and the password
    # stays out of the command line, where `ps` would show it.
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    # The program is the one on PATH and the arguments are a list: no shell reads them.
    completed = subprocess.run(  # noqa: S603
        [executable, f"--dbname={conninfo}", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        message = completed.stderr.strip() or f"exit status {completed.returncode}"
        if url.password:
            message = message.replace(str(url.password), "***")
        raise BackupError(f"{program} failed: {message}")


def _sql_has_rows(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            # The search index derives from the devices (and the migration gives it rows of its own).
            tables = [
                t
                for t in inspect(connection).get_table_names()
                if t not in SEEDED_TABLES and not is_search_object(t)
            ]
            return any(
                connection.scalar(select(literal(1)).select_from(table(name)).limit(1)) is not None
                for name in tables
            )
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip()
        raise BackupError(f"cannot read the database {describe(url)}: {reason}") from exc
    finally:
        engine.dispose()


def _sql_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                return None
            revision = connection.scalar(
                select(text("version_num")).select_from(text(VERSION_TABLE))
            )
            return None if revision is None else str(revision)
    finally:
        engine.dispose()
