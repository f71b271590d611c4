"""A donor's inventory file: the serial numbers or asset tags of what waits in its storeroom.

Donors export it from their asset register, so the file is read as leniently as it can be while
staying unambiguous: a CSV with a header line, comma or semicolon separated, UTF-8 with or without
a byte-order mark; the column is found by its name. Anything else is refused with a message that
says which line or which columns, so the donor can fix the file rather than guess.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from collecte.core.errors import InvalidInput
from collecte.core.vocabulary import N_

# Header names, once normalised (lower case, no accents, spaces and hyphens as underscores).
# A serial-number column is preferred to an asset-tag column: devices are reconciled by serial.
SERIAL_COLUMNS = (
    "serial",
    "serial_number",
    "serialnumber",
    "serial_no",
    "numero_de_serie",
    "numero_serie",
    "n_de_serie",
    "no_de_serie",
)
ASSET_TAG_COLUMNS = ("asset_tag", "assettag", "asset_number", "numero_d_inventaire")
ACCEPTED_COLUMNS = ("serial", "serial_number", "numéro de série", "asset_tag", "asset tag")
MAX_SERIALS = 20_000  # the most a pickup declares (the API's limit)
MAX_SERIAL_LENGTH = 100  # a device's serial column


class InventoryError(InvalidInput):
    """An inventory file refused (malformed input, 422), saying which line or which columns."""


def _header_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip().lstrip("\ufeff"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InventoryError(
            "inventory_not_utf8",
            N_(
                "The inventory file is not UTF-8 text (byte %(position)s): save it as "
                "“CSV UTF-8” from your spreadsheet and send it again."
            ),
            position=exc.start + 1,
        ) from exc


def _delimiter(header: str) -> str:
    """Semicolon when the header has more of them than commas (French spreadsheets), else comma."""
    return ";" if header.count(";") > header.count(",") else ","


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """The CSV records with the line each ends on (a quoted value may span lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            records.append((reader.line_num, row))
    except csv.Error as exc:
        raise InventoryError(
            "inventory_not_csv",
            N_("Line %(line)s of the inventory file cannot be read as CSV (%(problem)s)."),
            line=reader.line_num,
            problem=str(exc),
        ) from exc
    return [(line, row) for line, row in records if any(cell.strip() for cell in row)]


def _columns(line: int, header: list[str]) -> list[int]:
    """Where to read the serial of each row: serial columns first, then asset-tag columns."""
    keys = [_header_key(cell) for cell in header]
    at = [keys.index(c) for c in (*SERIAL_COLUMNS, *ASSET_TAG_COLUMNS) if c in keys]
    if not at:
        found = ", ".join(f"“{cell.strip()}”" for cell in header if cell.strip())
        raise InventoryError(
            "inventory_no_serial_column",
            N_(
                "Line %(line)s of the inventory file should name its columns, and none of "
                "them (%(found)s) is one of: %(accepted)s."
            ),
            line=line,
            found=found,
            accepted=", ".join(f"“{name}”" for name in ACCEPTED_COLUMNS),
        )
    return at


def parse_inventory(raw: bytes) -> list[str]:
    """The distinct serial numbers (or asset tags) an inventory CSV lists, sorted."""
    text = _decode(raw)
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise InventoryError("inventory_empty", N_("The inventory file is empty."))
    records = _records(text, _delimiter(first))
    if not records:
        raise InventoryError("inventory_empty", N_("The inventory file is empty."))
    (header_line, header), *rows = records
    columns = _columns(header_line, header)
    serials: set[str] = set()
    for line, row in rows:
        value = next((row[i].strip() for i in columns if i < len(row) and row[i].strip()), "")
        if len(value) > MAX_SERIAL_LENGTH:
            raise InventoryError(
                "inventory_serial_too_long",
                N_(
                    "Line %(line)s of the inventory file: a serial number or asset tag has at "
                    "most %(limit)s characters."
                ),
                line=line,
                limit=MAX_SERIAL_LENGTH,
            )
        if value:
            serials.add(value)
    if not serials:
        raise InventoryError(
            "inventory_no_serials",
            N_("The inventory file names its columns but lists no serial number or asset tag."),
        )
    if len(serials) > MAX_SERIALS:
        raise InventoryError(
            "inventory_too_many_serials",
            N_(
                "The inventory file lists %(count)s serial numbers: a pickup declares at most "
                "%(limit)s."
            ),
            count=len(serials),
            limit=MAX_SERIALS,
        )
    return sorted(serials)
