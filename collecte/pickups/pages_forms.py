"""What the pickup pages share: the booking form read into the API's shapes, and how values read.

The booking and edit forms post flat fields (``window_date_0``, ``qty_laptop``…); they are turned
into the same ``PickupCreate`` / ``PickupUpdate`` the JSON API validates, and each refusal is
attached to the field that caused it. Nothing here decides a rule: the schemas and the service do.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from collecte.core.errors import CollecteError
from collecte.core.forms import (
    LOCAL_ZONE,
    ascii_int,
    decimal,
    field_errors,
    form_date,
    form_texts,
    form_upload,
    read_upload,
    translate,
)
from collecte.core.i18n import gettext
from collecte.core.schemas import MAX_ID
from collecte.core.vocabulary import N_, label
from collecte.core.web import request_language
from collecte.devices.checklists import Category
from collecte.orgs.service import place_for_postcode
from collecte.pickups.inventory import InventoryError, parse_inventory
from collecte.pickups.models import DataDestruction, Pickup
from collecte.pickups.schemas import Item, Window

# Names of pickup values the shared vocabulary does not have, marked for translation.
PICKUP_LABELS: dict[str, str] = {
    "certificate": N_("Erased in the workshop, with a serial-level erasure certificate"),
    "onsite_destruction": N_("Storage destroyed on site, before it leaves"),
    "redistributed": N_("Redistributed"),
    "ready": N_("Refurbished, ready to be redistributed"),
    "in_workshop": N_("In the workshop"),
    "collection_proof": N_("Collection proof"),
    "erasure_certificate": N_("Erasure certificate (device)"),
    "erasure_certificate_batch": N_("Erasure certificate (batch)"),
    "impact_report": N_("Impact report"),
    "csr_report": N_("CSR impact report"),
}

TEXT_FIELDS = (
    "address",
    "building",
    "floor",
    "room",
    "postcode",
    "city",
    "access_notes",
    "contact_name",
    "contact_email",
    "contact_phone",
    "estimated_weight_kg",
    "data_destruction",
)
ACCESS_FLAGS = ("has_elevator", "has_loading_dock", "stairs", "van_parking")
FLAGS = (*ACCESS_FLAGS, "call_ahead")
MAX_WINDOWS = 20  # the API's limit
SHOWN_WINDOWS = 3  # empty rows offered at first, without needing a script
_TIME = re.compile(r"^([01]?[0-9]|2[0-3])[:hH.]([0-5][0-9])$")

Schema = TypeVar("Schema", bound=BaseModel)


def pickup_label(value: object) -> str:
    """A pickup status, option or outcome in words, in the current language."""
    key = str(getattr(value, "value", value))
    name = PICKUP_LABELS.get(key)
    return gettext(name) if name else label(value)


def message(request: Request, error: CollecteError) -> str:
    """A service refusal in the visitor's language."""
    return error.message(request_language(request))


# --- reading stored values back ------------------------------------------------------------------


def window_bounds(window: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """A stored window's start and end, in workshop time."""
    start = dt.datetime.fromisoformat(str(window["start"])).astimezone(LOCAL_ZONE)
    end = dt.datetime.fromisoformat(str(window["end"])).astimezone(LOCAL_ZONE)
    return start, end


def window_text(window: dict[str, Any]) -> str:
    """A preferred window as people write it: 01/12/2026 09:00–12:00."""
    start, end = window_bounds(window)
    if start.date() == end.date():
        return f"{start:%d/%m/%Y} {start:%H:%M}–{end:%H:%M}"
    return f"{start:%d/%m/%Y %H:%M} – {end:%d/%m/%Y %H:%M}"


def booking_values(pickup: Pickup) -> dict[str, str]:
    """The edit form filled with what the pickup says now."""
    values = {name: str(getattr(pickup, name) or "") for name in TEXT_FIELDS}
    values["data_destruction"] = pickup.data_destruction.value
    if pickup.estimated_weight_kg is not None:
        values["estimated_weight_kg"] = f"{pickup.estimated_weight_kg:g}"
    values.update({name: "yes" if getattr(pickup, name) else "" for name in FLAGS})
    for i, window in enumerate(pickup.windows):
        start, end = window_bounds(window)
        values[f"window_date_{i}"] = start.date().isoformat()
        values[f"window_start_{i}"] = f"{start:%H:%M}"
        values[f"window_end_{i}"] = f"{end:%H:%M}"
    for item in pickup.items:
        values[f"qty_{item['category']}"] = str(item["quantity"])
    return values


def window_rows(values: dict[str, str]) -> int:
    """How many window rows the form shows: those filled, one more, at least three."""
    filled = [i for i in range(MAX_WINDOWS) if values.get(f"window_date_{i}")]
    return min(MAX_WINDOWS, max(SHOWN_WINDOWS, (filled[-1] + 2) if filled else 0))


# --- reading the posted form ---------------------------------------------------------------------


@dataclass
class Booking:
    """A posted booking form: what was typed (to show again), the API-shaped data, the errors."""

    values: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _parse_time(text: str) -> dt.time | None:
    match = _TIME.match(text)
    return dt.time(int(match.group(1)), int(match.group(2))) if match else None


def _windows(request: Request, booking: Booking) -> list[dict[str, Any]]:
    """Each filled row as an API window (workshop time), or the row's error."""
    windows = []
    for i in range(MAX_WINDOWS):
        date_text, start_text, end_text = (
            booking.values[f"window_{part}_{i}"] for part in ("date", "start", "end")
        )
        if not (date_text or start_text or end_text):
            continue
        day, start, end = form_date(date_text), _parse_time(start_text), _parse_time(end_text)
        if day is None:
            booking.errors[f"window_{i}"] = translate(request, N_("Enter the date (dd/mm/yyyy)."))
            continue
        if start is None or end is None:
            booking.errors[f"window_{i}"] = translate(
                request, N_("Enter a start and an end time (hh:mm).")
            )
            continue
        try:
            window = Window(
                start=dt.datetime.combine(day, start, tzinfo=LOCAL_ZONE),
                end=dt.datetime.combine(day, end, tzinfo=LOCAL_ZONE),
            )
        except ValidationError as exc:
            # A well-formed row breaks one of two rules: a day out of the planning range, or the
            # end before the start.
            out_of_range = field_errors(request, exc).get("start") or field_errors(
                request, exc
            ).get("end")
            booking.errors[f"window_{i}"] = out_of_range or translate(
                request, N_("The window must end after it starts.")
            )
            continue
        windows.append(window.model_dump())
    if not windows and not any(k.startswith("window_") for k in booking.errors):
        booking.errors["windows"] = translate(
            request, N_("Give at least one day and time window when the team can come.")
        )
    return windows


def _items(request: Request, booking: Booking) -> list[dict[str, Any]]:
    """The quantity typed for each category, as API items (a blank or 0 is none)."""
    items = []
    for category in Category:
        name = f"qty_{category.value}"
        text = booking.values[name]
        if not text or text == "0":
            continue
        quantity = ascii_int(text, low=0, high=MAX_ID)
        try:
            if quantity is None:
                raise ValueError(text)
            item = Item(category=category, quantity=quantity)
        except ValueError as exc:  # a ValidationError is a ValueError
            errors = field_errors(request, exc) if isinstance(exc, ValidationError) else {}
            booking.errors[name] = errors.get("quantity") or translate(
                request, N_("Enter a whole number.")
            )
            continue
        items.append(item.model_dump())
    if not items and not any(k.startswith("qty_") for k in booking.errors):
        booking.errors["items"] = translate(
            request, N_("Say how many devices of at least one category wait for the pickup.")
        )
    return items


def read_booking(request: Request, form: FormData, *, donor_field: bool) -> Booking:
    """The booking (or edit) form as API data, with a message per field that needs correcting."""
    names = [
        *TEXT_FIELDS,
        *FLAGS,
        *(f"window_{part}_{i}" for i in range(MAX_WINDOWS) for part in ("date", "start", "end")),
        *(f"qty_{category.value}" for category in Category),
    ]
    if donor_field:
        names.append("donor_id")
    booking = Booking(values=form_texts(form, names))
    values = booking.values
    data: dict[str, Any] = {
        name: values[name]
        for name in TEXT_FIELDS
        if name not in ("estimated_weight_kg", "data_destruction")
    }
    data.update({name: values[name] == "yes" for name in FLAGS})
    data["estimated_weight_kg"] = decimal(values["estimated_weight_kg"]) or None
    data["data_destruction"] = values["data_destruction"] or DataDestruction.CERTIFICATE.value
    data["windows"] = _windows(request, booking)
    data["items"] = _items(request, booking)
    if donor_field:
        if values["donor_id"]:
            data["donor_id"] = values["donor_id"]
        else:
            booking.errors["donor_id"] = translate(request, N_("This field is required."))
    upload = form_upload(form, "inventory")
    if upload is not None:
        raw = read_upload(upload)
        if raw is None:
            booking.errors["inventory"] = translate(request, N_("The file is larger than 5 MiB."))
        else:
            try:
                data["declared_serials"] = parse_inventory(raw)
            except InventoryError as exc:
                booking.errors["inventory"] = message(request, exc)
    booking.data = data
    return booking


def validate_booking(request: Request, booking: Booking, schema: type[Schema]) -> Schema | None:
    """The booking as the API's schema, or None with every field's problem in ``booking.errors``."""
    try:
        body: Schema | None = schema.model_validate(booking.data)
    except ValidationError as exc:
        body = None
        for name, text in field_errors(request, exc).items():
            if name in ("windows", "items"):
                continue  # told row by row, or as "give at least one" above
            booking.errors.setdefault(name, text)
    if "contact_email" in booking.errors:
        booking.errors["contact_email"] = translate(
            request, N_("Enter a valid email address, such as name@example.org.")
        )
    if booking.values["postcode"] and "postcode" not in booking.errors:
        try:
            place_for_postcode(booking.values["postcode"])
        except CollecteError:
            booking.errors["postcode"] = translate(
                request, N_("This is not a French postcode (five digits, such as 92400).")
            )
    if booking.errors:
        return None
    return body


def int_field(text: str) -> int | None:
    """A whole number typed in a form (blank is 0); None when it is not one."""
    return ascii_int(text, low=0, high=MAX_ID) if text else 0
