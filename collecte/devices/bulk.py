"""Bulk intake from a CSV file or a JSON list: every row is checked first, and one bad row
means nothing is written; the answer lists every bad row by its line number."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.errors import CollecteError, InvalidInput, Reason
from collecte.core.validation import validation_reason
from collecte.core.vocabulary import N_
from collecte.devices.models import Device
from collecte.devices.schemas import DeviceCreate
from collecte.devices.service import (
    intake_donor,
    receive_device,
    registered_serials,
    require_receiver,
    resolve_intake_site,
    serial_registered,
    unused_codes,
)

# One cap for every bulk path (CSV, JSON, the page, the CLI), checked before any row is validated.
MAX_ROWS = 5000
# No field of a device is longer (the model, 150); a longer cell is refused on its row.
MAX_CELL_CHARS = 300
CSV_COLUMNS = (
    "category",
    "brand",
    "model",
    "serial",
    "has_storage",
    "weight_kg",
    "ram_gb",
    "storage_gb",
    "cpu",
    "screen_in",
    "site_id",
    "donor_id",
    "pickup_id",
)
SPEC_COLUMNS = ("ram_gb", "storage_gb", "cpu", "screen_in")
_TRUE = {"1", "true", "yes", "y", "oui", "o", "x"}
_FALSE = {"0", "false", "no", "n", "non", ""}


TOO_MANY_VALUES = Reason("too_many_values", N_("more values than columns"))
CELL_TOO_LONG = Reason(
    "cell_too_long", N_("a value is longer than %(limit)s characters"), {"limit": MAX_CELL_CHARS}
)


def too_many_rows() -> InvalidInput:
    return InvalidInput("too_many_rows", N_("at most %(limit)s devices per import"), limit=MAX_ROWS)


class BulkRejected(InvalidInput):
    """Some rows are wrong; nothing was written."""

    kind = "bulk_rejected"

    def __init__(self, problems: dict[int, list[RowProblem]]) -> None:
        lines = sorted(problems)
        shown = ", ".join(map(str, lines[:20])) + (" …" if len(lines) > 20 else "")
        # The API lists each row's problems in English (pydantic's own words for a malformed
        # value); ``reasons`` words them in any language for the pages.
        rows = [{"line": line, "errors": [p.text for p in problems[line]]} for line in lines]
        super().__init__(
            "rows_rejected",
            N_("%(count)s row(s) rejected (lines %(lines)s); nothing was imported"),
            extra={"rows": rows},
            count=len(rows),
            lines=shown,
        )
        self.reasons = {line: [p.reason for p in problems[line]] for line in lines}


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with a row: the API's English text and the reason the pages translate."""

    text: str
    reason: Reason

    @classmethod
    def of(cls, reason: Reason) -> RowProblem:
        return cls(reason.detail, reason)


def parse_csv(raw: bytes) -> list[tuple[int, dict[str, Any]]]:
    """CSV rows (comma or semicolon separated, UTF-8 with or without BOM) with their line numbers."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "not_utf8", N_("the file is not UTF-8 text (export it as CSV UTF-8)")
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        # Reading the field names reads the header line, which can be malformed as any other.
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:  # a carriage return inside an unquoted name
        # The csv module has not counted the line it failed on yet: the header is line 1.
        raise _malformed_csv(max(reader.line_num, 1)) from exc
    missing = [c for c in ("category", "brand", "model", "has_storage") if c not in header]
    if missing:
        raise InvalidInput(
            "missing_columns",
            N_("the CSV header lacks column(s): %(columns)s"),
            columns=", ".join(missing),
        )
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InvalidInput(
            "unknown_columns",
            N_("unknown column(s): %(columns)s; known: %(known)s"),
            columns=", ".join(unknown),
            known=", ".join(CSV_COLUMNS),
        )
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        for record in reader:
            if not any((v or "").strip() for k, v in record.items() if k is not None):
                continue  # blank line
            line = reader.line_num
            if None in record:
                rows.append((line, {"__error__": TOO_MANY_VALUES}))
            elif any(len(v or "") > MAX_CELL_CHARS for v in record.values()):
                rows.append((line, {"__error__": CELL_TOO_LONG}))
            else:
                rows.append((line, _csv_row(record)))
            if len(rows) > MAX_ROWS:
                raise too_many_rows()
    except csv.Error as exc:  # a field past the csv module's own limit (128 kB), a stray NUL
        raise _malformed_csv(reader.line_num) from exc
    return rows


def _malformed_csv(line: int) -> InvalidInput:
    return InvalidInput("malformed_csv", N_("line %(line)s is not valid CSV"), line=line)


def _csv_row(record: dict[str, str | None]) -> dict[str, Any]:
    values = {k: (v or "").strip() for k, v in record.items()}
    row: dict[str, Any] = {k: v for k, v in values.items() if k not in SPEC_COLUMNS and v != ""}
    storage = values.get("has_storage", "").lower()
    if storage in _TRUE:
        row["has_storage"] = True
    elif storage in _FALSE and storage != "":
        row["has_storage"] = False
    elif storage:
        row["has_storage"] = storage  # left for validation to report
    if "category" in row:
        row["category"] = row["category"].lower()
    row["specs"] = {
        k: values[k].replace(",", ".") if k == "screen_in" else values[k]
        for k in SPEC_COLUMNS
        if values.get(k)
    }
    if "weight_kg" in row:
        row["weight_kg"] = row["weight_kg"].replace(",", ".")
    return row


def _describe(error: ValidationError) -> list[RowProblem]:
    problems = []
    for e in error.errors():
        field = ".".join(str(p) for p in e["loc"]) or "row"
        reason = Reason(
            "invalid_field",
            N_("%(field)s: %(problem)s"),
            {"field": field, "problem": validation_reason(e)},
        )
        problems.append(RowProblem(f"{field}: {e['msg']}", reason))
    return problems


def bulk_receive(
    session: Session,
    *,
    actor: User,
    rows: Iterable[tuple[int, dict[str, Any]]],
    on_progress: Callable[[int], None] | None = None,
) -> list[Device]:
    """Receive every row or none: all rows are validated before the first write."""
    require_receiver(actor)
    raw_rows = list(rows)
    if len(raw_rows) > MAX_ROWS:
        raise too_many_rows()
    checked: list[tuple[int, DeviceCreate]] = []
    problems: dict[int, list[RowProblem]] = {}
    for line, data in raw_rows:
        if "__error__" in data:
            problems.setdefault(line, []).append(RowProblem.of(data["__error__"]))
            continue
        try:
            checked.append((line, DeviceCreate.model_validate(data)))
        except ValidationError as exc:
            problems.setdefault(line, []).extend(_describe(exc))
    if not checked and not problems:
        raise InvalidInput("nothing_to_import", N_("no device to import"))

    sites = {}
    donors: dict[int, int | None] = {}
    for line, item in checked:
        try:
            key = item.site_id
            if key not in sites:
                sites[key] = resolve_intake_site(session, viewer=actor, site_id=item.site_id)
            donors[line] = intake_donor(
                session, viewer=actor, donor_id=item.donor_id, pickup_id=item.pickup_id
            )
        except CollecteError as exc:
            problems.setdefault(line, []).append(RowProblem.of(exc.reason))

    # Repeated serials are looked for on every row, valid or not, so one answer names them all.
    seen: dict[tuple[str, str], int] = {}
    for line, data in raw_rows:
        brand, serial = (
            str(data.get("brand") or "").strip().lower(),
            str(data.get("serial") or "").strip(),
        )
        if not serial:
            continue
        if (brand, serial) in seen:
            problems.setdefault(line, []).append(
                RowProblem.of(
                    Reason(
                        "serial_repeated",
                        N_("serial %(serial)s repeats line %(line)s"),
                        {"serial": serial, "line": seen[brand, serial]},
                    )
                )
            )
        else:
            seen[brand, serial] = line
    existing = registered_serials(session, viewer=actor, serials=[s for _, s in seen])
    for brand, serial, code in existing:
        first_line = seen.get((brand.strip().lower(), serial))
        if first_line is not None:
            problems.setdefault(first_line, []).append(
                RowProblem.of(serial_registered(serial, code))
            )

    if problems:
        raise BulkRejected(problems)

    codes = unused_codes(session, len(checked))
    devices = []
    with session.begin_nested():
        for index, ((line, item), code) in enumerate(zip(checked, codes, strict=True), start=1):
            data = item.model_dump()
            devices.append(
                receive_device(
                    session,
                    actor=actor,
                    site=sites[item.site_id],
                    code=code,
                    category=item.category,
                    brand=item.brand,
                    model=item.model,
                    serial=item.serial,
                    has_storage=item.has_storage,
                    weight_kg=item.weight_kg,
                    donor_id=donors[line],
                    pickup_id=item.pickup_id,
                    specs=data["specs"],
                    note="bulk intake",
                )
            )
            if on_progress and index % 50 == 0:
                on_progress(index)
    if on_progress:
        on_progress(len(devices))
    return devices
