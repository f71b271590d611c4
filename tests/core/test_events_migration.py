"""Migration 0007 moves device events into the one log and writes the pickups' history from their
columns: dimensions filled, one gap-free order, the counter ready for the next event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, text

from collecte.core.db import make_engine
from collecte.core.migrations import alembic_config
from tests.dbutil import database_backends, fresh_database

NOW = "2026-11-20 10:00:00"


def _insert(connection: Connection, table: str, **values: Any) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    row = connection.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"),  # noqa: S608
        {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in values.items()},
    )
    return int(row.scalar_one())


def _pickup(connection: Connection, donor: int, **values: Any) -> int:
    defaults: dict[str, Any] = {
        "donor_id": donor,
        "address": "1 rue X",
        "building": "",
        "floor": "",
        "room": "",
        "postcode": "92400",
        "city": "Courbevoie",
        "territory": "92",
        "has_elevator": False,
        "has_loading_dock": False,
        "stairs": False,
        "van_parking": False,
        "access_notes": "",
        "contact_name": "C",
        "contact_email": "c@example.org",
        "contact_phone": "",
        "call_ahead": False,
        "windows": [],
        "items": [{"category": "laptop", "quantity": 2}],
        "data_destruction": "certificate",
        "declared_serials": [],
        "requested_at": "2026-11-18 09:00:00",
        "window_start": "",
        "window_end": "",
        "vehicle": "",
        "collected_counts": {},
        "released_by": "",
        "received_by": "",
        "cancel_reason": "",
    }
    return _insert(connection, "pickups", **{**defaults, **values})


@pytest.mark.parametrize("backend", database_backends())
def test_device_and_pickup_history_is_backfilled(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        config = alembic_config(url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "0006")
        engine = make_engine(url)
        try:
            with engine.begin() as c:
                org = {"address": "", "city": "X", "created_at": NOW}
                workshop = _insert(
                    c, "organizations", name="W", kind="workshop", postcode="93100",
                    territory="93", **org,
                )  # fmt: skip
                donor = _insert(
                    c, "organizations", name="D", kind="donor", postcode="92400",
                    territory="92", **org,
                )  # fmt: skip
                site = _insert(
                    c, "sites", organization_id=workshop, name="S", address="", postcode="93100",
                    city="Montreuil", territory="93", created_at=NOW,
                )  # fmt: skip
                collected = _pickup(
                    c, donor, status="collected", site_id=site, scheduled_on="2026-11-19",
                    collected_at="2026-11-19 14:00:00", collected_weight_kg=12.5,
                    collected_counts={"laptop": 2},
                )  # fmt: skip
                cancelled = _pickup(
                    c, donor, status="cancelled", cancelled_at="2026-11-18 12:00:00",
                    cancel_reason="moved",
                )  # fmt: skip
                device = _insert(
                    c, "devices", code="ABCDEFGH", category="laptop", brand="L", model="T",
                    serial="S1", has_storage=True, weight_kg=1.6, status="recycled",
                    organization_id=workshop, site_id=site, donor_id=donor, pickup_id=collected,
                    received_at="2026-11-19 15:00:00", updated_at=NOW, version=2,
                )  # fmt: skip
                for kind, from_status, to_status, payload, at in (
                    ("intake", None, "received", {}, "2026-11-19 15:00:00"),
                    ("transition", "received", "recycled", {"weight_kg": 1.4}, NOW),
                ):
                    _insert(
                        c, "device_events", device_id=device, kind=kind, from_status=from_status,
                        to_status=to_status, site_id=site, note="", payload=payload, at=at,
                    )  # fmt: skip
            command.upgrade(config, "0007")
            with engine.connect() as c:
                rows = c.execute(
                    text(
                        "SELECT seq, kind, subject, device_id, pickup_id, to_status, workshop_id,"
                        " territory, donor_id, category, weight_kg FROM events ORDER BY seq"
                    )
                ).all()
                last = c.execute(text("SELECT last FROM event_sequence WHERE id = 1")).scalar()
                assert "device_events" not in c.dialect.get_table_names(c)
        finally:
            engine.dispose()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert last == len(rows)
    assert [(r.kind, r.subject, r.to_status) for r in rows] == [
        ("pickup_requested", "pickup", "requested"),  # 18/11 09:00
        ("pickup_scheduled", "pickup", "scheduled"),  # dated with its request
        ("pickup_requested", "pickup", "requested"),  # the other request, 18/11 09:00
        ("pickup_cancelled", "pickup", "cancelled"),  # 18/11 12:00
        ("pickup_collected", "pickup", "collected"),  # 19/11 14:00
        ("intake", "device", "received"),  # 19/11 15:00
        ("transition", "device", "recycled"),  # 20/11
    ]
    intake, exit_ = rows[-2:]
    assert (intake.workshop_id, intake.territory, intake.donor_id) == (workshop, "93", donor)
    assert (intake.category, intake.weight_kg, intake.pickup_id) == ("laptop", 1.6, collected)
    assert exit_.weight_kg == 1.4  # the weight at exit, from the old payload
    collected_event = rows[4]
    assert (collected_event.pickup_id, collected_event.weight_kg) == (collected, 12.5)
    assert (collected_event.workshop_id, collected_event.territory) == (workshop, "92")
    assert rows[3].pickup_id == cancelled
