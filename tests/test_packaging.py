"""The wheel ships every package, the migrations and the label stocks, and finds them installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from collecte.core.migrations import MIGRATIONS_DIR
from collecte.labels.stocks import LABELS_DIR

REPO_ROOT = Path(__file__).resolve().parents[1]
# What the Dockerfile copies to build the image: the wheel must need nothing else.
SOURCES = ("pyproject.toml", "README.md", "alembic", "labels", "collecte")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of its sources (the checkout stays clean)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(
                REPO_ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(REPO_ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: the dev extra's setuptools builds it, offline, in a few seconds.
    pip_wheel = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
    ]
    subprocess.run(  # noqa: S603 (pip of this interpreter, on our own sources)
        [*pip_wheel, "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (built,) = out.glob("collecte-*.whl")
    return built


def _files(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_a_checkout_uses_the_top_level_folders() -> None:
    assert MIGRATIONS_DIR == REPO_ROOT / "alembic"
    assert LABELS_DIR == REPO_ROOT / "labels"


def test_wheel_ships_every_package_the_migrations_and_the_label_stocks(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for init in (REPO_ROOT / "collecte").rglob("__init__.py"):
        # A subpackage missing from pyproject's `packages` list would be left out silently.
        assert init.relative_to(REPO_ROOT).as_posix() in names
    migrations = _files(REPO_ROOT / "alembic")
    assert {"env.py", "script.py.mako"} <= migrations
    assert any(name.startswith("versions/") for name in migrations)
    assert {f"collecte/_migrations/{name}" for name in migrations} <= names
    stocks = _files(REPO_ROOT / "labels")
    assert stocks
    assert {f"collecte/_label_stocks/{name}" for name in stocks} <= names
    factors = _files(REPO_ROOT / "collecte" / "impact" / "factors")
    assert "README.md" in factors
    assert {f"collecte/impact/factors/{name}" for name in factors} <= names
    # The commune centres the geocoder falls back to, with the note citing their sources.
    assert {"collecte/geo/commune_centres.csv", "collecte/geo/README.md"} <= names


def test_installed_wheel_finds_its_migrations_and_label_stocks(wheel: Path, tmp_path: Path) -> None:
    """Unpacked as pip installs it, the package looks inside itself, not for a checkout."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "from collecte.core.migrations import MIGRATIONS_DIR;"
        "from collecte.labels.stocks import LABELS_DIR, load_stocks;"
        "from collecte.impact.factors import factor_set;"
        "from collecte.geo.communes import commune_centre;"
        "print(MIGRATIONS_DIR, LABELS_DIR, len(load_stocks()), factor_set(None, 0.5).version,"
        " commune_centre('69003').label, sep='\\n')"
    )
    done = subprocess.run(  # noqa: S603 (this interpreter, on the unpacked wheel)
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {probe}"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    migrations, stocks, count, factors, lyon = done.stdout.split()
    assert Path(migrations) == site / "collecte" / "_migrations"
    assert Path(stocks) == site / "collecte" / "_label_stocks"
    assert int(count) == len(list((REPO_ROOT / "labels").glob("*.toml")))
    assert factors == "2026-12"  # the factor file, read from the package
    assert lyon == "Lyon"  # the commune centres, read from the package
