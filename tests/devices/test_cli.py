"""The devices and labels CLI commands: all-or-nothing bulk work, and the invariant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from collecte.cli import app
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.migrations import upgrade_database
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from tests.dbutil import database_backends, fresh_database
from tests.factories.devices import Workshop

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


def _seed(url: str) -> tuple[str, list[str], list[str]]:
    """A workshop with two devices ready for `available` and one not erased."""
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = Workshop(session)
            ready = [workshop.receive(serial=f"R-{i}") for i in range(2)]
            for device in ready:
                workshop.diagnose(device)
                workshop.wipe(device)
                workshop.grade(device)
            unsafe = workshop.receive(serial="U-1")
            workshop.diagnose(unsafe)
            workshop.grade(unsafe)
            return workshop.technician.email, [d.code for d in ready], [unsafe.code]
    finally:
        engine.dispose()


def _statuses(url: str) -> dict[str, DeviceStatus]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return {
                row.code: row.status for row in session.execute(select(Device.code, Device.status))
            }
    finally:
        engine.dispose()


def test_bulk_transition_refuses_all_when_one_breaks_the_invariant(cli_db: str) -> None:
    email, ready, unsafe = _seed(cli_db)
    result = runner.invoke(
        app, ["devices", "transition", *ready, *unsafe, "--to", "available", "--as", email]
    )
    assert result.exit_code == 1
    assert "data protection" in result.output
    statuses = _statuses(cli_db)
    assert {statuses[c] for c in ready + unsafe} == {DeviceStatus.GRADED}

    ok = runner.invoke(app, ["devices", "transition", *ready, "--to", "available", "--as", email])
    assert ok.exit_code == 0, ok.output
    assert {_statuses(cli_db)[c] for c in ready} == {DeviceStatus.AVAILABLE}


def test_csv_import_all_or_nothing(cli_db: str, tmp_path: Path) -> None:
    email, _ready, _unsafe = _seed(cli_db)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "category,brand,model,serial,has_storage\nlaptop,HP,840,A-1,yes\nlaptop,HP,840,A-2,perhaps\n"
    )
    result = runner.invoke(app, ["devices", "import", str(bad), "--as", email])
    assert result.exit_code == 1
    assert "line 3" in result.output
    engine = make_engine(cli_db)
    try:
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Device)) == 3
    finally:
        engine.dispose()
    good = tmp_path / "good.csv"
    good.write_text(
        "category,brand,model,serial,has_storage\nlaptop,HP,840,A-1,yes\nsmartphone,Fairphone,4,A-2,yes\n"
    )
    ok = runner.invoke(app, ["devices", "import", str(good), "--as", email])
    assert ok.exit_code == 0, ok.output
    assert "received 2 device(s)" in ok.output


def test_label_batch_to_a_file(cli_db: str, tmp_path: Path) -> None:
    email, ready, _unsafe = _seed(cli_db)
    out = tmp_path / "labels.pdf"
    result = runner.invoke(
        app,
        [
            "labels",
            "print",
            "--as",
            email,
            "--template",
            "avery-l7651",
            "--status",
            "graded",
            "--out",
            str(out),
            "--skip",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 3 label(s)" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    zpl = tmp_path / "labels.zpl"
    result = runner.invoke(
        app,
        [
            "labels",
            "print",
            "--as",
            email,
            "--template",
            "zebra-2x1-203",
            "--code",
            ready[0],
            "--out",
            str(zpl),
        ],
    )
    assert result.exit_code == 0, result.output
    assert zpl.read_text().count("^XA") == 1
    unknown = runner.invoke(
        app,
        [
            "labels",
            "print",
            "--as",
            email,
            "--template",
            "nope",
            "--code",
            ready[0],
            "--out",
            str(zpl),
        ],
    )
    assert unknown.exit_code == 1
    assert "unknown label template" in unknown.output
