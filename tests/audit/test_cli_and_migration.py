"""``collecte audit verify`` on a real database, and migration 0014 chaining the events written
before the chain existed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from typer.testing import CliRunner

from collecte.cli import app
from collecte.core.chain import head, verify
from collecte.core.db import make_engine, make_sessionmaker
from collecte.core.events import EventKind, Subject, record_event
from collecte.core.migrations import alembic_config, upgrade_database
from tests.dbutil import database_backends, fresh_database
from tests.factories.devices import Workshop

runner = CliRunner()


@pytest.fixture(params=database_backends())
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


def test_the_command_verifies_and_exits_1_on_a_broken_chain(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLLECTE_DATABASE_URL", url)
    monkeypatch.setenv("COLLECTE_DATA_DIR", str(tmp_path / "data"))
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            workshop = Workshop(session)
            workshop.make_available(workshop.receive())
        with make_sessionmaker(engine)() as session:
            last, link = head(session)
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert f"ok true  checked {last}" in result.output
        assert f"head {last} {link}" in result.output
        with engine.begin() as connection:
            connection.execute(text("UPDATE events SET note = 'rewritten' WHERE seq = 2"))
            event_id = connection.execute(text("SELECT id FROM events WHERE seq = 2")).scalar()
        broken = runner.invoke(app, ["audit", "verify"])
        assert broken.exit_code == 1, broken.output
        assert "ok false  checked 1" in broken.output
        assert f"first broken: event 2 (row id {event_id}): link" in broken.output
    finally:
        engine.dispose()


_EVENT = (
    "INSERT INTO events (seq, kind, subject, note, payload, weight_kg, occurred_at, recorded_at)"
    " VALUES (:seq, :kind, 'device', :note, :payload, :weight, :at, :at)"
)


def test_the_events_written_before_the_chain_are_chained_by_the_migration(url: str) -> None:
    config = alembic_config(url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "0013")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for seq, kind, payload, weight in (
                (1, "intake", {}, None),
                (2, "transition", {"weight_kg": 1.4}, 1.4),
                (3, "hold", {"reason": "à vérifier"}, None),
            ):
                connection.execute(text(_EVENT), {
                    "seq": seq, "kind": kind, "note": f"n{seq}", "payload": json.dumps(payload),
                    "weight": weight, "at": f"2026-11-20 10:00:0{seq}.25",
                })  # fmt: skip
            connection.execute(text("UPDATE event_sequence SET last = 3 WHERE id = 1"))
        command.upgrade(config, "head")
        with make_sessionmaker(engine)() as session, session.begin():
            before = verify(session)
            assert (before.ok, before.checked, before.head_seq) == (True, 3, 3)
            hashes = session.execute(text("SELECT hash FROM events ORDER BY seq")).scalars()
            assert before.head_hash == list(hashes)[-1]
            # The next event is chained after the migration's head.
            record_event(session, kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None)
        with make_sessionmaker(engine)() as session:
            after = verify(session)
            assert (after.ok, after.checked) == (True, 4)
    finally:
        engine.dispose()
