"""``collecte requests allocate``: every approved request or one, as an account; refusals are
printed, change nothing and exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from collecte.cli import app
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.migrations import upgrade_database
from collecte.requests.models import Allocation
from tests.dbutil import database_backends, fresh_database
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow

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


@dataclass
class Seeded:
    coordinator: str
    technician: str
    approved: list[int]
    submitted: int


def _seed(url: str) -> Seeded:
    """Three laptops in stock; two approved requests for two laptops each, one submitted."""
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            flow = PartnerFlow(Workshop(session))
            flow.available(3)
            approved = [flow.request([{"category": "laptop", "quantity": 2}]) for _ in range(2)]
            submitted = flow.request(approve=False)
            return Seeded(
                flow.coordinator.email,
                flow.workshop.technician.email,
                [r.id for r in approved],
                submitted.id,
            )
    finally:
        engine.dispose()


def _bound(url: str) -> dict[int, int]:
    """Active bindings per request."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            query = (
                select(Allocation.request_id, func.count())
                .where(Allocation.ended_at.is_(None))
                .group_by(Allocation.request_id)
            )
            return dict(session.execute(query).all())
    finally:
        engine.dispose()


def test_allocate_all_as_a_coordinator(cli_db: str) -> None:
    seeded = _seed(cli_db)
    result = runner.invoke(app, ["requests", "allocate", "--as", seeded.coordinator])
    assert result.exit_code == 0, result.output
    assert "requests 2  lines 2  allocated 3  unfilled 1" in result.output
    first, second = seeded.approved
    assert _bound(cli_db) == {first: 2, second: 1}  # oldest approval first


def test_allocate_one_request(cli_db: str) -> None:
    seeded = _seed(cli_db)
    second = seeded.approved[1]
    result = runner.invoke(
        app, ["requests", "allocate", "--as", seeded.coordinator, "--request", str(second)]
    )
    assert result.exit_code == 0, result.output
    assert "requests 1  lines 1  allocated 2  unfilled 0" in result.output
    assert _bound(cli_db) == {second: 2}


@pytest.mark.parametrize(
    ("who", "which", "message"),
    [
        ("technician", None, "a technician may not allocate devices"),
        ("coordinator", "submitted", "approved requests only; this one is submitted"),
        ("coordinator", "missing", "no request 999"),
    ],
)
def test_refusals_are_printed_and_change_nothing(
    cli_db: str, who: str, which: str | None, message: str
) -> None:
    seeded = _seed(cli_db)
    args = ["requests", "allocate", "--as", getattr(seeded, who)]
    if which is not None:
        args += ["--request", str(seeded.submitted if which == "submitted" else 999)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split())
    assert _bound(cli_db) == {}
