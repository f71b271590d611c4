"""The shape of ``bench.pages``' data: the shares of statuses and categories, each device's path
of events, the tables copied and their columns, and the pieces every row is made of."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from collecte.core.chain import content
from collecte.devices import codes

DAY = 86_400
HISTORY_DAYS = 5 * 365
NULL = "\\N"
# Serial characters: no Q, so that ``QQQQQ`` matches no serial (the no-match search).
SERIAL_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

# The device's status now (share in %): most have left (delivered, handed over, recycled), a
# realistic stock is available, some are in the workshop or in the partner flow.
STATUS_SHARES = {
    "handed_over": 22, "delivered": 18, "recycled": 25.5, "parts": 6, "lost": 0.5,
    "available": 12, "allocated": 1.5, "shipped": 1.5, "returned": 1,
    "received": 3, "diagnosed": 3, "wiped": 2, "in_repair": 1.5, "graded": 2.5,
}  # fmt: skip
STATUSES = list(STATUS_SHARES)
STATUS_CUMULATIVE = list(itertools.accumulate(STATUS_SHARES.values()))
# category: (share %, typical kg, has storage, (brand, model) choices)
CATEGORIES: dict[str, tuple[float, float, bool, tuple[tuple[str, str], ...]]] = {
    "laptop": (55, 2.0, True, (("Lenovo", "ThinkPad T480"), ("Dell", "Latitude 5490"),
                               ("HP", "EliteBook 840 G5"), ("Apple", "MacBook Air 2017"))),
    "desktop": (15, 7.5, True, (("Dell", "OptiPlex 7060"), ("HP", "ProDesk 600 G3"))),
    "smartphone": (15, 0.18, True, (("Samsung", "Galaxy A52"), ("Apple", "iPhone 8"))),
    "tablet": (5, 0.5, True, (("Apple", "iPad 7"), ("Samsung", "Galaxy Tab A"))),
    "monitor": (8, 5.0, False, (("Dell", "P2419H"), ("HP", "E24 G4"))),
    "printer": (1, 9.0, False, (("Brother", "HL-L2350DW"),)),
    "other": (1, 1.5, False, (("Logitech", "Dock"),)),
}  # fmt: skip
CATEGORY_NAMES = list(CATEGORIES)
CATEGORY_CUMULATIVE = list(itertools.accumulate(c[0] for c in CATEGORIES.values()))

PICKUP_COLUMNS = (
    "id, donor_id, status, address, building, floor, room, postcode, city, territory, "
    "has_elevator, has_loading_dock, stairs, van_parking, access_notes, contact_name, "
    "contact_email, contact_phone, call_ahead, windows, items, data_destruction, "
    "declared_serials, requested_at, scheduled_on, window_start, window_end, site_id, vehicle, "
    "collected_at, collected_counts, collected_weight_kg, released_by, received_by, "
    "cancel_reason, language, position_label"
)
DEVICE_COLUMNS = (
    "id, code, category, brand, model, serial, has_storage, weight_kg, ram_gb, storage_gb, "
    "status, grade, organization_id, site_id, donor_id, pickup_id, hold_reason, hold_since, "
    "received_at, history_since, updated_at, version"
)
REQUEST_COLUMNS = (
    "id, partner_id, workshop_id, territory, status, beneficiaries_count, note, decision_note, "
    "requested_at, approved_at, version"
)
LINE_COLUMNS = "id, request_id, category, quantity"
SHIPMENT_COLUMNS = (
    "id, request_id, partner_id, workshop_id, status, carrier, created_at, dispatched_at, "
    "delivered_at, version"
)
ALLOCATION_COLUMNS = (
    "id, request_id, line_id, device_id, allocated_at, shipment_id, shipped_at, delivered_at, "
    'ended_at, "end", end_reason'
)
HANDOVER_COLUMNS = (
    "id, device_id, partner_id, request_id, beneficiary_ref, age_band, handed_over_at, undo_reason"
)
EVENT_COLUMNS = (
    "id, seq, kind, subject, device_id, pickup_id, request_id, shipment_id, beneficiary_ref, "
    "from_status, to_status, actor_id, workshop_id, site_id, territory, donor_id, partner_id, "
    "category, weight_kg, note, payload, occurred_at, recorded_at, hash"
)
# Parents before children: every foreign key is checked as the rows arrive.
TABLES = (
    ("pickups", PICKUP_COLUMNS),
    ("requests", REQUEST_COLUMNS),
    ("request_lines", LINE_COLUMNS),
    ("shipments", SHIPMENT_COLUMNS),
    ("devices", DEVICE_COLUMNS),
    ("allocations", ALLOCATION_COLUMNS),
    ("handovers", HANDOVER_COLUMNS),
    ("events", EVENT_COLUMNS),
)
_SCRAMBLE = 0x2E5B_C3A9_D  # odd, below 2**35: id -> code payload is a bijection
_CODE_SPACE = len(codes.ALPHABET) ** codes.PAYLOAD_LENGTH  # 2**35


def device_code(device_id: int) -> str:
    """A random-looking, valid and unique code for a device id (a bijection of the ids)."""
    number = (device_id * _SCRAMBLE + 0x1234_5678) % _CODE_SPACE
    payload = ""
    for _ in range(codes.PAYLOAD_LENGTH):
        number, digit = divmod(number, len(codes.ALPHABET))
        payload = codes.ALPHABET[digit] + payload
    return payload + codes.check_character(payload)


def check_content(body: bytes, row: dict[str, Any]) -> None:
    """The content hashed here is what ``collecte.core.chain`` hashes for the row read back."""
    if body != content(row):
        raise RuntimeError("the seeded events' content no longer matches collecte.core.chain's")


def copy_value(value: object) -> str:
    return NULL if value is None else str(value)


@dataclass
class Counters:
    """The next free id of each table, and the log's last number and head (as stored)."""

    ids: dict[str, int]
    seq: int
    head: str


@dataclass
class Chunk:
    """One batch of rows per table, COPY text, in ``TABLES`` order."""

    rows: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    devices: int = 0


FLOW = {
    "available": (),
    "allocated": ("allocated",),
    "shipped": ("allocated", "shipped"),
    "delivered": ("allocated", "shipped", "delivered"),
    "handed_over": ("allocated", "shipped", "delivered", "handed_over"),
    "returned": ("allocated", "shipped", "delivered", "returned"),
}


def event_path(status: str, has_storage: bool) -> list[tuple[str, str | None, str]]:
    """(kind, from, to) of each event from intake to ``status``."""
    path: list[tuple[str, str | None, str]] = [("intake", None, "received")]
    if status == "received":
        return path
    path.append(("diagnosis", "received", "diagnosed"))
    if status in ("diagnosed", "in_repair", "recycled", "lost"):
        if status != "diagnosed":
            path.append(("transition", "diagnosed", status))
        return path
    before = "diagnosed"
    if has_storage:
        path.append(("erasure", "diagnosed", "wiped"))
        before = "wiped"
    if status == "wiped":
        return path
    path.append(("grade", before, "graded"))
    if status in ("graded", "parts"):
        if status == "parts":
            path.append(("transition", "graded", "parts"))
        return path
    path.append(("transition", "graded", "available"))
    before = "available"
    for step in FLOW[status]:
        path.append((step, before, step))
        before = step
    return path
