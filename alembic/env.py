"""Alembic environment: Collecte's metadata, its engine settings, and batch mode on SQLite."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context

from collecte.config import Settings
from collecte.core.db import make_engine
from collecte.devices.search import is_search_object
from collecte.models import Base

config = context.config
if config.attributes.get("configure_logger", True):
    if config.config_file_name is not None:  # the `alembic` command, with alembic.ini
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    else:  # `collecte db upgrade` (collecte/core/migrations.py): name each migration it runs
        logging.basicConfig(format="%(levelname)-5.5s [%(name)s] %(message)s")
        logging.getLogger("alembic").setLevel(logging.INFO)

target_metadata = Base.metadata


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave the search structures out of the drift check: migration 0019 builds them for each
    database, and the models cannot declare them (an FTS5 table, trigram GIN indexes)."""
    return not (type_ in ("table", "index") and is_search_object(name))


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings().effective_database_url


def run_migrations_offline() -> None:
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _database_url()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=url.startswith("sqlite"),
                compare_type=True,
                include_name=_include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
