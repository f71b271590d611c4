"""Migration 0006 gives every existing workshop its own département, and nothing to the others."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from collecte.core.db import make_engine
from collecte.core.migrations import alembic_config
from tests.dbutil import database_backends, fresh_database

ORGANISATION = (
    "INSERT INTO organizations (name, kind, address, postcode, city, territory, created_at) "
    "VALUES (:name, :kind, '', :postcode, 'X', :territory, CURRENT_TIMESTAMP)"
)


@pytest.mark.parametrize("backend", database_backends())
def test_existing_workshops_serve_their_own_departement(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        config = alembic_config(url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "0005")
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                for name, kind, postcode, territory in (
                    ("Atelier Lyon", "workshop", "69003", "69"),
                    ("Atelier Ajaccio", "workshop", "20000", "2A"),
                    ("Banque", "donor", "75011", "75"),
                ):
                    connection.execute(
                        text(ORGANISATION),
                        {"name": name, "kind": kind, "postcode": postcode, "territory": territory},
                    )
            command.upgrade(config, "0006")
            with engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT o.name, t.territory, t.priority FROM workshop_territories t "
                        "JOIN organizations o ON o.id = t.organization_id ORDER BY o.name"
                    )
                ).all()
        finally:
            engine.dispose()
    assert [tuple(row) for row in rows] == [("Atelier Ajaccio", "2A", 1), ("Atelier Lyon", "69", 1)]
