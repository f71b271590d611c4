"""The centre of a postcode's commune, from the open dataset shipped beside this module."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from collecte.geo.position import Position, PositionSource

CENTRES_FILE = Path(__file__).resolve().parent / "commune_centres.csv"


@functools.cache
def _centres() -> dict[str, tuple[float, float, str]]:
    with CENTRES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {
            row["postcode"]: (float(row["latitude"]), float(row["longitude"]), row["commune"])
            for row in rows
        }


def commune_centre(postcode: str) -> Position | None:
    """The centre of the postcode's commune, approximate; None for a postcode the file lacks."""
    found = _centres().get(postcode.strip())
    if found is None:
        return None
    latitude, longitude, commune = found
    return Position(latitude, longitude, PositionSource.COMMUNE, commune)
