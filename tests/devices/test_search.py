"""Device search (collecte.devices.search): a piece of a serial, brand or model, whatever its case,
found through an index on both databases, and kept up to date as devices change."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.devices import codes
from collecte.devices.models import Device
from collecte.devices.service import filtered_devices
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop


def _found(db: Session, viewer: User, text: str) -> set[str]:
    query = filtered_devices(
        viewer=viewer, status=None, category=None, site_id=None, donor_id=None, q=text
    )
    return {device.serial for device in db.scalars(query)}


def test_a_piece_of_a_serial_brand_or_model_is_found_whatever_its_case(
    db: Session, workshop: Workshop
) -> None:
    workshop.receive(serial="PF1ABC23", brand="Lenovo", model="ThinkPad T480")
    workshop.receive(serial="R58R1234567", brand="Samsung", model="Galaxy A52")
    workshop.receive(serial="CN0ABC1234", brand="Dell", model="P2419H")
    viewer = workshop.technician
    assert _found(db, viewer, "abc") == {"PF1ABC23", "CN0ABC1234"}  # serials, any case
    assert _found(db, viewer, "SAMS") == {"R58R1234567"}  # brand
    assert _found(db, viewer, "inkpad t4") == {"PF1ABC23"}  # model, across a space
    assert _found(db, viewer, "  galaxy ") == {"R58R1234567"}  # trimmed
    assert _found(db, viewer, "QQQQQ") == set()
    # Shorter than a trigram: compared row by row, with the same result.
    assert _found(db, viewer, "a5") == {"R58R1234567"}
    # The wildcards and FTS5's quotes are not syntax: taken out, the rest is searched for.
    assert _found(db, viewer, 'AB"C%2_3') == {"PF1ABC23"}
    assert _found(db, viewer, "%") == {"PF1ABC23", "R58R1234567", "CN0ABC1234"}


def test_a_serial_piece_shaped_like_a_code_is_found_as_well_as_the_code(
    db: Session, workshop: Workshop
) -> None:
    device = workshop.receive(serial="SN-1")
    # An eight-character piece of a serial that happens to pass the code's check.
    piece = next(
        payload + codes.check_character(payload)
        for payload in (f"X{n:06d}" for n in range(100))
        if codes.is_valid(payload + codes.check_character(payload))
    )
    other = workshop.receive(serial=f"ZZ{piece}ZZ")
    assert _found(db, workshop.technician, piece) == {other.serial}
    assert _found(db, workshop.technician, device.code.lower()) == {"SN-1"}


def test_the_index_follows_each_change_of_a_device(db: Session, workshop: Workshop) -> None:
    device = workshop.receive(serial="OLDSERIAL1")
    viewer = workshop.technician
    db.execute(update(Device).where(Device.id == device.id).values(serial="NEWSERIAL2"))
    assert _found(db, viewer, "oldserial") == set()
    assert _found(db, viewer, "newserial") == {"NEWSERIAL2"}
    # A row without history (the log refers to received devices) can be deleted: gone from the
    # index too.
    row = {
        column: value
        for column, value in db.execute(select(Device.__table__).where(Device.id == device.id))
        .one()
        ._mapping.items()
        if column not in ("id", "code", "serial")
    }
    stray_id = db.scalar(
        insert(Device)
        .values(**row, code=codes.generate_code(), serial="STRAY999")
        .returning(Device.id)
    )
    assert _found(db, viewer, "stray9") == {"STRAY999"}
    db.execute(delete(Device).where(Device.id == stray_id))
    assert _found(db, viewer, "stray9") == set()


def test_the_search_reads_an_index(db: Session, workshop: Workshop) -> None:
    workshop.receive(serial="PF1ABC23")
    # Network-wide, as the operator searches: no other index narrows the rows first.
    query = filtered_devices(
        viewer=make_user(db, role=Role.ADMIN),
        status=None,
        category=None,
        site_id=None,
        donor_id=None,
        q="PF1AB",
    ).with_only_columns(Device.id)
    compiled = query.compile(db.get_bind())
    statement, parameters = str(compiled), compiled.params
    connection = db.connection()
    if db.get_bind().dialect.name == "sqlite":
        plan = _sqlite_plan(db, statement, tuple(parameters[k] for k in compiled.positiontup or ()))
        assert "devices_search VIRTUAL TABLE INDEX" in plan, plan
        assert not scans_devices(plan), plan
    else:
        # A handful of rows would be read sequentially: forbid that, and the trigram indexes must
        # still serve the search (a plain index on serial could not).
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(
            row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        )
        connection.exec_driver_sql("SET LOCAL enable_seqscan = on")
        for column in ("serial", "brand", "model"):
            assert f"Bitmap Index Scan on ix_devices_{column}_trgm" in plan, plan


def scans_devices(plan: str) -> bool:
    """Whether a SQLite plan reads the devices table or one of its indexes from end to end."""
    return re.search(r"SCAN devices(?!_search)", plan) is not None


def _sqlite_plan(db: Session, statement: str, parameters: Any) -> str:
    rows = db.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return " / ".join(row[-1] for row in rows)
