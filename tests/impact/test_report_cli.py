"""``collecte impact report`` and ``collecte impact rebuild``: a report issued and written to a
file (recorded like every document), clean refusals, the counts derived again."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from collecte.cli import app
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.migrations import upgrade_database
from collecte.core.types import utcnow
from collecte.documents.models import Document
from tests.dbutil import database_backends, fresh_database
from tests.impact import scenario
from tests.impact.test_report import text_of

runner = CliRunner()


@pytest.fixture(params=database_backends())
def cli_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        upgrade_database(url)
        monkeypatch.setenv("COLLECTE_DATABASE_URL", url)
        monkeypatch.setenv("COLLECTE_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("COLLECTE_SECRET_KEY", "cli-test-secret")
        yield url


@pytest.fixture
def donor_id(cli_db: str) -> int:
    """The scripted history, committed; its donor's id."""
    engine = make_engine(cli_db)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            return scenario.run(session).flow.workshop.donor.id
    finally:
        engine.dispose()


def _period() -> list[str]:
    # The day in France, where the facts are dated: between 23:00 and midnight UTC (in winter) the
    # scenario's events already fall on the next day there.
    today = utcnow().astimezone(ZoneInfo("Europe/Paris")).date()
    return ["--from", f"{today.year}-01-01", "--to", today.isoformat()]


def _documents(url: str) -> list[Document]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return list(session.scalars(select(Document).order_by(Document.id)))
    finally:
        engine.dispose()


def test_a_report_is_issued_written_and_its_code_and_hash_printed(
    cli_db: str, donor_id: int, tmp_path: Path
) -> None:
    out = tmp_path / "impact.pdf"
    result = runner.invoke(app, ["impact", "report", *_period(), "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    content = out.read_bytes()
    assert content.startswith(b"%PDF")
    (document,) = _documents(cli_db)
    assert document.kind == "impact_report"
    assert document.produced_by is None  # the operator's view, no account named
    code = re.search(r"verification code (\w{4}-\w{4}-\w{4})", result.output)
    assert code is not None
    assert code.group(1).replace("-", "") == document.verification_code
    assert f"sha256 {hashlib.sha256(content).hexdigest()}" in result.output
    text = text_of(content)
    assert "Impact report — the whole network" in text
    assert "Devices collected 6" in text


def test_a_donors_csr_report(cli_db: str, donor_id: int, tmp_path: Path) -> None:
    out = tmp_path / "csr.pdf"
    args = ["impact", "report", *_period(), "--donor", str(donor_id), "--lang", "en"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "csr_report version 1" in result.output
    text = text_of(out.read_bytes())
    assert "2 redistributed, 1 recycled, 1 parts." in text
    again = runner.invoke(app, [*args, "--out", str(tmp_path / "again.pdf")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again.pdf").read_bytes() == out.read_bytes()  # issued once


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-31"], "--from"),
        (["--from", "yesterday", "--to", "2026-12-31"], "--from"),
        (["--from", "2026-06-01", "--to", "2026-01-01"], "the period ends before it starts"),
        (["--from", "1900-01-01", "--to", "2026-01-01"], "a period from 2000-01-01"),
        (["--from", "2026-01-01", "--to", "2026-02-01", "--donor", "999999"], "no donor 999999"),
        (["--from", "2026-01-01", "--to", "2026-02-01", "--lang", "de"], "--lang"),
        (["--from", "2026-01-01", "--to", "2026-02-01", "--as", "nobody@example.org"],
         "no active account nobody@example.org"),
    ],
)  # fmt: skip
def test_bad_input_fails_cleanly(
    cli_db: str, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "never.pdf"
    result = runner.invoke(app, ["impact", "report", *args, "--out", str(out)])
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit)  # refused, not crashed
    assert "Traceback" not in result.output
    assert message in " ".join(result.output.split())
    assert not out.exists()
    assert _documents(cli_db) == []


def test_rebuild_says_how_many_facts(cli_db: str, donor_id: int) -> None:
    result = runner.invoke(app, ["impact", "rebuild"])
    assert result.exit_code == 0, result.output
    found = re.search(r"(\d+) facts", result.output)
    assert found is not None
    assert int(found.group(1)) > 0
