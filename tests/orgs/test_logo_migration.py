"""Migration 0015 adds the logo columns: organisations already there have none, keep everything
else, and survive its downgrade."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from collecte.core.db import make_engine
from collecte.core.migrations import alembic_config
from tests.dbutil import database_backends, fresh_database

ORGANISATION = (
    "INSERT INTO organizations (name, kind, address, postcode, city, territory, impact_public, "
    "created_at) VALUES ('Atelier Lyon', 'workshop', '', '69003', 'Lyon', '69', false, "
    "CURRENT_TIMESTAMP)"
)


@pytest.mark.parametrize("backend", database_backends())
def test_existing_organisations_have_no_logo_and_survive_the_downgrade(
    backend: str, tmp_path: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        config = alembic_config(url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "0014")
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(text(ORGANISATION))
            command.upgrade(config, "0015")
            with engine.connect() as connection:
                row = connection.execute(
                    text("SELECT name, logo, logo_media_type FROM organizations")
                ).one()
            assert tuple(row) == ("Atelier Lyon", None, None)
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE organizations SET logo = :logo, logo_media_type = 'image/png'"),
                    {"logo": b"\x89PNG"},
                )
            command.downgrade(config, "0014")
            with engine.connect() as connection:
                names = connection.execute(text("SELECT name FROM organizations")).scalars().all()
        finally:
            engine.dispose()
    assert names == ["Atelier Lyon"]
