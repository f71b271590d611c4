"""search through indexes, and lists ordered by an index, up to a million devices

- Search (``collecte/devices/search.py``): on PostgreSQL, ``pg_trgm`` GIN indexes on the devices'
  serial, brand and model and on organisations' names, which serve ``ILIKE '%…%'``; on SQLite, the
  FTS5 table ``devices_search`` (trigram tokenizer, external content: it stores only its index)
  kept by three triggers on ``devices``. ``pg_trgm`` is a trusted extension (PostgreSQL 13 and
  later): the database's owner may create it without being a superuser.
- Lists: ``(status, id)`` replaces ``(status)``, and ``(organization_id, id)`` with
  ``(organization_id, status, id)`` replace ``(organization_id)``: a list newest first, of one
  status network-wide, or of a workshop's devices (of one status or all), is read in order from
  an index and stops after its page, where the single-column indexes had it fetch every row of
  the status or the workshop and sort them (SQLite with 100,000 devices in one workshop: "USE
  TEMP B-TREE FOR ORDER BY" over all of them; bench/RESULTS.md, ``pages``, has the figures).
- ``(organization_id, donor_id)``: whether a workshop holds a donor's devices, the donors its
  staff may see (``orgs.policy.visible_organizations``), is one probe per donor.
- ``allocations (request_id, device_id)`` where held (not ended, shipped): the devices a partner
  holds, read from the index alone (a partner holding 58,000: the seq scan of every allocation
  went, its home's count from 122 to 46 ms). ``pickups (donor_id, status, collected_at)``
  replaces ``(donor_id)``: a donor's latest collected pickups in order (6.7 ms to under
  0.5 ms).

A later migration that rebuilds ``devices`` on SQLite (a batch ``ALTER``) drops its triggers: it must
create them again (``devices_search`` tests fail if it does not).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, as a migration must stay as it was; collecte/devices/search.py names the same.
TRIGRAM_INDEXES = {
    "ix_devices_serial_trgm": ("devices", "serial"),
    "ix_devices_brand_trgm": ("devices", "brand"),
    "ix_devices_model_trgm": ("devices", "model"),
    "ix_organizations_name_trgm": ("organizations", "name"),
}

HELD = "ended_at IS NULL AND shipped_at IS NOT NULL"

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE devices_search USING fts5("
    "serial, brand, model, content='devices', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER devices_search_insert AFTER INSERT ON devices BEGIN "
    "INSERT INTO devices_search (rowid, serial, brand, model) "
    "VALUES (new.id, new.serial, new.brand, new.model); END",
    "CREATE TRIGGER devices_search_delete AFTER DELETE ON devices BEGIN "
    "INSERT INTO devices_search (devices_search, rowid, serial, brand, model) "
    "VALUES ('delete', old.id, old.serial, old.brand, old.model); END",
    "CREATE TRIGGER devices_search_update AFTER UPDATE OF serial, brand, model ON devices BEGIN "
    "INSERT INTO devices_search (devices_search, rowid, serial, brand, model) "
    "VALUES ('delete', old.id, old.serial, old.brand, old.model); "
    "INSERT INTO devices_search (rowid, serial, brand, model) "
    "VALUES (new.id, new.serial, new.brand, new.model); END",
    # The devices already there.
    "INSERT INTO devices_search (devices_search) VALUES ('rebuild')",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, (table, column) in TRIGRAM_INDEXES.items():
            op.create_index(
                name,
                table,
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
    elif dialect == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    op.create_index("ix_devices_status_id", "devices", ["status", "id"])
    op.drop_index("ix_devices_status", table_name="devices")
    op.create_index("ix_devices_organization_id_id", "devices", ["organization_id", "id"])
    op.create_index(
        "ix_devices_organization_id_donor_id", "devices", ["organization_id", "donor_id"]
    )
    op.create_index(
        "ix_devices_organization_id_status_id", "devices", ["organization_id", "status", "id"]
    )
    op.drop_index("ix_devices_organization_id", table_name="devices")
    op.create_index(
        "ix_allocations_held_request_id_device_id",
        "allocations",
        ["request_id", "device_id"],
        sqlite_where=sa.text(HELD),
        postgresql_where=sa.text(HELD),
    )
    op.create_index(
        "ix_pickups_donor_id_status_collected_at",
        "pickups",
        ["donor_id", "status", "collected_at"],
    )
    op.drop_index("ix_pickups_donor_id", table_name="pickups")


def downgrade() -> None:
    op.create_index("ix_pickups_donor_id", "pickups", ["donor_id"])
    op.drop_index("ix_pickups_donor_id_status_collected_at", table_name="pickups")
    op.drop_index("ix_allocations_held_request_id_device_id", table_name="allocations")
    op.create_index("ix_devices_organization_id", "devices", ["organization_id"])
    op.drop_index("ix_devices_organization_id_status_id", table_name="devices")
    op.drop_index("ix_devices_organization_id_id", table_name="devices")
    op.drop_index("ix_devices_organization_id_donor_id", table_name="devices")
    op.create_index("ix_devices_status", "devices", ["status"])
    op.drop_index("ix_devices_status_id", table_name="devices")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # The extension stays: other schemas of the database may use it.
        for name, (table, _column) in TRIGRAM_INDEXES.items():
            op.drop_index(name, table_name=table)
    elif dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER devices_search_{trigger}")
        op.execute("DROP TABLE devices_search")
