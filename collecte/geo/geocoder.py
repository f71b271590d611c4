"""Asking a Base Adresse Nationale–compatible geocoder (its ``/search/`` API) where an address is.

The call is blocking, with a short timeout, and is made before the request's transaction begins
(see ``collecte.pickups.positions``): a transaction never waits on the network. Whatever goes
wrong (unreachable, slow, an error status, an answer that is not GeoJSON, nothing found, a poor
match) gives None, and the caller falls back to the commune's centre.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit

from collecte.config import Settings
from collecte.geo.communes import commune_centre
from collecte.geo.position import Position, PositionSource
from collecte.orgs.territory import UnknownPostcode, normalise_postcode

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 256 * 1024
# A match on the commune alone is no better than the commune's centre we already have.
PRECISE_TYPES = frozenset({"housenumber", "street", "locality"})


def search_address(
    base_url: str, *, address: str, postcode: str, city: str, timeout: float, min_score: float
) -> Position | None:
    """The position the geocoder gives for the address, or None when it gives none worth having."""
    if urlsplit(base_url).scheme not in ("http", "https"):
        return None
    query = urlencode(
        {"q": f"{address} {postcode} {city}".strip(), "postcode": postcode, "limit": 1}
    )
    request = urllib.request.Request(  # noqa: S310 (an http(s) URL, checked above)
        f"{base_url.rstrip('/')}/search/?{query}",
        headers={"Accept": "application/json", "User-Agent": "Collecte"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(MAX_ANSWER_BYTES)
    except (OSError, ValueError) as exc:  # refused, unreachable, timed out, an error status
        log.warning("geocoder unavailable (%s): using the commune's centre", exc)
        return None
    return _first_match(raw, min_score=min_score)


def _first_match(raw: bytes, *, min_score: float) -> Position | None:
    try:
        feature = json.loads(raw)["features"][0]
        longitude, latitude = (float(x) for x in feature["geometry"]["coordinates"][:2])
        properties = feature.get("properties") or {}
        score = float(properties.get("score", 0))
        kind = str(properties.get("type", ""))
        label = str(properties.get("label", ""))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None  # not GeoJSON, or nothing found
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if score < min_score or kind not in PRECISE_TYPES:
        return None
    return Position(latitude, longitude, PositionSource.ADDRESS, label)


def locate(settings: Settings, *, address: str, postcode: str, city: str) -> Position | None:
    """Where an address is: found by the geocoder, else its commune's centre (approximate)."""
    if settings.geocoder_url and address.strip():
        found = search_address(
            settings.geocoder_url,
            address=address,
            postcode=postcode,
            city=city,
            timeout=settings.geocoder_timeout_seconds,
            min_score=settings.geocoder_min_score,
        )
        if found is not None:
            return found
    return commune_centre(postcode)


def locate_address(
    settings: Settings, *, address: str, postcode: str, city: str
) -> Position | None:
    """The geocoder's position for an address, else its commune's centre; None for a bad postcode."""
    try:
        code = normalise_postcode(postcode)
    except UnknownPostcode:
        return None  # refused later, with the rest of the request
    return locate(settings, address=address, postcode=code, city=city)
