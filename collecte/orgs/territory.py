"""French territory (département code) from a postcode.

Rules: mainland départements are the first two digits; Corsica splits 20000–20199 into 2A
(Corse-du-Sud) and 20200–20699 into 2B (Haute-Corse); overseas départements 971–976 are the first
three digits, and so are the 98x collectivities (Monaco 980, Wallis 986, Polynesia 987,
New Caledonia 988) whose postcodes follow the same scheme.

The same codes name the territories a workshop serves (``normalise_territory``).
"""

from __future__ import annotations

import re

from collecte.core.errors import RuleError
from collecte.core.vocabulary import N_

_POSTCODE = re.compile(r"^[0-9]{5}$")
_OVERSEAS_DEPARTEMENTS = frozenset({"971", "972", "973", "974", "975", "976", "977", "978"})
_OVERSEAS_COLLECTIVITIES = frozenset({"980", "986", "987", "988"})
TERRITORIES = frozenset(
    {f"{n:02d}" for n in range(1, 96) if n != 20}
    | {"2A", "2B"}
    | _OVERSEAS_DEPARTEMENTS
    | _OVERSEAS_COLLECTIVITIES
)


class UnknownPostcode(RuleError):
    """The text is not a French postcode that maps to a territory."""


class UnknownTerritory(RuleError):
    """The text is not a département (or overseas territory) code."""


def normalise_territory(raw: str) -> str:
    """A département code as stored: spaces stripped, Corsica's letter upper-cased ("2a" → "2A")."""
    code = raw.strip().upper()
    if code not in TERRITORIES:
        raise UnknownTerritory(
            "unknown_territory",
            N_("'%(value)s' is not a département code (01–95, 2A, 2B, 971–978, 980, 986–988)"),
            value=raw,
        )
    return code


def normalise_postcode(raw: str) -> str:
    """Strip spaces; a French postcode is exactly five digits."""
    postcode = raw.replace(" ", "").strip()
    if not _POSTCODE.match(postcode):
        raise UnknownPostcode(
            "invalid_postcode",
            N_("'%(value)s' is not a French postcode (five digits)"),
            value=raw,
        )
    return postcode


def territory_for_postcode(raw: str) -> str:
    """The département (or overseas territory) code a postcode belongs to."""
    postcode = normalise_postcode(raw)
    head = int(postcode[:2])
    if head == 0:
        raise UnknownPostcode("unknown_postcode", N_("'%(value)s' names no département"), value=raw)
    if head == 20:
        return "2A" if int(postcode) < 20200 else "2B"
    if head == 97:
        code = postcode[:3]
        if code not in _OVERSEAS_DEPARTEMENTS:
            raise UnknownPostcode(
                "unknown_postcode", N_("'%(value)s' names no overseas département"), value=raw
            )
        # Saint-Barthélemy and Saint-Martin use 97133 / 97150 but are their own collectivities;
        # their codes 977 / 978 are accepted when written as such.
        return code
    if head == 98:
        code = postcode[:3]
        if code not in _OVERSEAS_COLLECTIVITIES:
            raise UnknownPostcode(
                "unknown_postcode", N_("'%(value)s' names no overseas collectivity"), value=raw
            )
        return code
    if head > 95:
        raise UnknownPostcode("unknown_postcode", N_("'%(value)s' names no département"), value=raw)
    return postcode[:2]
