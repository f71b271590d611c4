"""Run Alembic from code: the CLI's ``db upgrade`` and the tests use the same configuration."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for this database, using the project's ``alembic/`` scripts."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    # Percent signs in a URL (encoded passwords) would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to a revision (the latest by default)."""
    command.upgrade(alembic_config(database_url), revision)
