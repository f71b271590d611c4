"""A serving worker stays small: what only some routes or commands need is not loaded at start-up.

Measured by ``python -m bench memory``; these tests keep the wins without timing anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collecte import cli

# Imported on first use only (MB of a worker's RSS each saved, measured when made lazy):
# pyvroom and what it brings (pandas, numpy), the run sheet's solver: 51 MB.
LAZY_MODULES = ("vroom", "pandas", "numpy")
# What ``collecte serve`` sheds by becoming uvicorn: the command line's own modules (11 MB).
COMMAND_LINE_MODULES = ("typer", "rich", "alembic", "collecte.cli", "collecte.demo")

_LOADED_AFTER_CREATE_APP = """
import sys
from collecte.app import create_app
create_app()
print(" ".join(name for name in sys.argv[1:] if name in sys.modules))
"""


def test_creating_the_app_loads_no_library_only_some_routes_need(tmp_path: Path) -> None:
    # A fresh interpreter: the test run itself has imported everything long ago.
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", _LOADED_AFTER_CREATE_APP, *LAZY_MODULES, *COMMAND_LINE_MODULES],
        env={**os.environ, "COLLECTE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == []


def test_serve_becomes_uvicorn_serving_the_app_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    executed: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(os, "execv", lambda path, argv: executed.append((path, argv)))

    result = CliRunner().invoke(
        cli.app, ["serve", "--host", "127.0.0.2", "--port", "8123", "--workers", "3"]
    )

    assert result.exit_code == 0, result.output
    assert executed == [
        (
            sys.executable,
            [
                sys.executable,
                "-m",
                "uvicorn",
                "collecte.app:create_app",
                "--factory",
                "--host",
                "127.0.0.2",
                "--port",
                "8123",
                "--workers",
                "3",
                "--proxy-headers",
            ],
        )
    ]
