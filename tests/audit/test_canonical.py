"""The bytes an event's link hashes: its number and its content, the same however the values
come (read back from SQLite, from PostgreSQL, or from the row about to be written)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from collecte.core.chain import CONTENT, canonical, link
from collecte.core.events import EventKind, Subject

AT = dt.datetime(2026, 12, 1, 8, 30, 0, 120000, tzinfo=dt.UTC)


def _event(**values: Any) -> dict[str, Any]:
    return dict.fromkeys(CONTENT) | {
        "seq": 7, "kind": EventKind.TRANSITION, "subject": Subject.DEVICE, "weight_kg": 2.0,
        "note": "", "payload": {"weight_kg": 2.0, "to": "recycled"}, "occurred_at": AT,
        "recorded_at": AT,
    } | values  # fmt: skip


def test_the_same_event_however_its_values_come_gives_the_same_bytes() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    as_read_back = _event(
        kind="transition",  # an enum read as its stored string
        subject="device",
        weight_kg=2,  # an integer weight, as written
        payload='{"to": "recycled", "weight_kg": 2.0}',  # JSON text, keys in another order
        occurred_at=AT.astimezone(paris),  # another zone, the same instant
        recorded_at=AT.replace(tzinfo=None),  # SQLite's naive UTC
    )
    assert canonical(as_read_back) == canonical(_event())


def test_the_number_the_content_and_the_previous_link_are_all_covered() -> None:
    first = link("", _event())
    assert link("", _event(seq=8)) != first
    assert link("", _event(note="x")) != first
    assert link("", _event(occurred_at=AT + dt.timedelta(microseconds=1))) != first
    assert link("0" * 64, _event()) != first
    assert link("", _event(weight_kg=None)) != link("", _event(weight_kg=0.0))
    assert re.fullmatch("[0-9a-f]{64}", first)
