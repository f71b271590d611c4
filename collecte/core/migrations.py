"""Run Alembic from code: the CLI's ``db upgrade`` and the tests use the same configuration."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from collecte.core.bundled import bundled_folder

MIGRATIONS_DIR = bundled_folder("_migrations", "alembic")


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for this database, using the bundled migration scripts."""
    # Built in code rather than read from alembic.ini, which stays in the checkout for the
    # `alembic` command (revision, history): an installed wheel has the scripts but no ini.
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # Percent signs in a URL (encoded passwords) would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to a revision (the latest by default)."""
    command.upgrade(alembic_config(database_url), revision)
