"""A position and where it came from: the address found by the geocoder, the commune's centre
(approximate), or coordinates someone gave (manual)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from collecte.core.errors import InvalidInput
from collecte.core.vocabulary import N_


class PositionSource(enum.StrEnum):
    ADDRESS = "address"  # the geocoder found the address
    COMMUNE = "commune"  # the centre of the postcode's commune: approximate
    MANUAL = "manual"  # given by whoever booked, or corrected by a coordinator


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    source: PositionSource
    label: str = ""  # the address the geocoder matched, or the commune's name

    @property
    def approximate(self) -> bool:
        return self.source is PositionSource.COMMUNE


class Located(Protocol):
    """What has a position: a pickup or a site (their columns)."""

    latitude: float | None
    longitude: float | None
    position_source: str | None
    position_label: str


def given_position(latitude: float | None, longitude: float | None) -> Position | None:
    """Coordinates someone gave, as a manual position; none given, None; half of a pair is refused."""
    if (latitude is None) != (longitude is None):
        raise InvalidInput(
            "partial_coordinates", N_("give both latitude and longitude, or neither")
        )
    if latitude is None or longitude is None:
        return None
    return Position(latitude, longitude, PositionSource.MANUAL)


def place(target: Located, position: Position | None) -> None:
    """Record a position (or its absence) on a pickup or a site."""
    target.latitude = position.latitude if position else None
    target.longitude = position.longitude if position else None
    target.position_source = position.source.value if position else None
    target.position_label = position.label[:300] if position else ""
