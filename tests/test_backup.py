"""Backup and restore: a database written through the services comes back whole, schema and rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select
from typer.testing import CliRunner

from collecte.cli import app
from collecte.core.backup import BackupError, TargetNotEmpty, backup_database, restore_database
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.migrations import alembic_config, upgrade_database
from collecte.models import Base
from tests.dbutil import database_backends, fresh_database
from tests.factories.devices import Workshop

runner = CliRunner()


def fill(url: str) -> None:
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = Workshop(session)
            for number in range(3):
                workshop.receive(serial=f"SN-{number}")
    finally:
        engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", database_backends())
def test_backup_then_restore_into_a_fresh_database_gives_the_same_rows(
    backend: str, tmp_path: Path
) -> None:
    backup = tmp_path / "collecte.backup"
    with fresh_database(backend, tmp_path) as source_url:
        upgrade_database(source_url)
        fill(source_url)
        expected = row_counts(source_url)
        made = backup_database(source_url, backup)
        assert made.size == backup.stat().st_size > 0
        with fresh_database(backend, tmp_path) as restored_url:
            restored = restore_database(restored_url, backup)
            assert not restored.replaced_data
            assert restored.revision is not None
            assert row_counts(restored_url) == expected
            assert expected["devices"] == 3
            command.check(alembic_config(restored_url))  # no drift from the models

            # Now the target holds data: refused, then replaced with --force.
            with pytest.raises(TargetNotEmpty):
                restore_database(restored_url, backup)
            fill(restored_url)
            forced = restore_database(restored_url, backup, force=True)
            assert forced.replaced_data
            assert row_counts(restored_url) == expected


@pytest.mark.parametrize("backend", database_backends())
def test_restore_into_a_migrated_empty_database(backend: str, tmp_path: Path) -> None:
    backup = tmp_path / "collecte.backup"
    with fresh_database(backend, tmp_path) as source_url:
        upgrade_database(source_url)
        fill(source_url)
        backup_database(source_url, backup)
        with fresh_database(backend, tmp_path) as target_url:
            upgrade_database(target_url)
            restore_database(target_url, backup)
            assert row_counts(target_url) == row_counts(source_url)


def test_unreadable_or_foreign_files_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'target.db'}"
    with pytest.raises(BackupError, match="cannot read"):
        restore_database(url, tmp_path / "missing.backup")
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database\n")
    with pytest.raises(BackupError, match="not a SQLite backup"):
        restore_database(url, foreign)
    with pytest.raises(BackupError, match="no database file"):
        backup_database(f"sqlite:///{tmp_path / 'absent.db'}", tmp_path / "out.backup")
    assert not (tmp_path / "out.backup").exists()


def test_a_missing_pg_dump_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump was not found"):
        backup_database("postgresql+psycopg://u:secret@127.0.0.1/x", tmp_path / "out.backup")
    assert list(tmp_path.iterdir()) == []


def test_cli_backup_and_restore_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLECTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLLECTE_SECRET_KEY", "cli-test-secret")
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    upgrade_database(source_url)
    fill(source_url)
    backup = tmp_path / "collecte.backup"

    monkeypatch.setenv("COLLECTE_DATABASE_URL", source_url)
    made = runner.invoke(app, ["db", "backup", str(backup)])
    assert made.exit_code == 0, made.output
    assert "backup written" in made.output

    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    monkeypatch.setenv("COLLECTE_DATABASE_URL", target_url)
    restored = runner.invoke(app, ["db", "restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert "restored at revision" in restored.output
    assert row_counts(target_url) == row_counts(source_url)

    refused = runner.invoke(app, ["db", "restore", str(backup)])
    assert refused.exit_code == 1
    assert "already holds data" in refused.output
    assert "--force" in refused.output
    assert "Traceback" not in refused.output

    forced = runner.invoke(app, ["db", "restore", "--force", str(backup)])
    assert forced.exit_code == 0, forced.output
    assert "replaced" in forced.output

    missing = runner.invoke(app, ["db", "restore", str(tmp_path / "missing.backup")])
    assert missing.exit_code == 1
    assert "cannot read" in missing.output
