"""A booking's fields as a pickup stores them: windows and items as JSON, serials cleaned."""

from __future__ import annotations

from typing import Any

from collecte.core.errors import InvalidInput
from collecte.core.vocabulary import N_
from collecte.pickups.inventory import MAX_SERIAL_LENGTH


def clean_serials(serials: list[str]) -> list[str]:
    """The distinct declared serials, trimmed; one longer than a device's serial is refused."""
    cleaned = sorted({s.strip() for s in serials if s and s.strip()})
    if any(len(s) > MAX_SERIAL_LENGTH for s in cleaned):
        raise InvalidInput(
            "serial_too_long",
            N_("a serial number or asset tag has at most %(limit)s characters"),
            limit=MAX_SERIAL_LENGTH,
        )
    return cleaned


def stored_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Windows and items as JSON-ready values (datetimes as ISO text)."""
    out = dict(data)
    if out.get("windows") is not None:
        out["windows"] = [
            {"start": w["start"].isoformat(), "end": w["end"].isoformat()} for w in out["windows"]
        ]
    if out.get("items") is not None:
        out["items"] = [
            {"category": str(i["category"]), "quantity": i["quantity"]} for i in out["items"]
        ]
    if out.get("declared_serials") is not None:
        out["declared_serials"] = clean_serials(out["declared_serials"])
    return out
