"""French territory (département code) from a postcode.

Rules: mainland départements are the first two digits; Corsica splits 20000–20199 into 2A
(Corse-du-Sud) and 20200–20699 into 2B (Haute-Corse); overseas départements 971–976 are the first
three digits, and so are the 98x collectivities (Monaco 980, Wallis 986, Polynesia 987,
New Caledonia 988) whose postcodes follow the same scheme.
"""

from __future__ import annotations

import re

_POSTCODE = re.compile(r"^\d{5}$")


class UnknownPostcode(ValueError):
    """The text is not a French postcode that maps to a territory."""


def normalise_postcode(raw: str) -> str:
    """Strip spaces; a French postcode is exactly five digits."""
    postcode = raw.replace(" ", "").strip()
    if not _POSTCODE.match(postcode):
        raise UnknownPostcode(f"{raw!r} is not a French postcode (five digits)")
    return postcode


def territory_for_postcode(raw: str) -> str:
    """The département (or overseas territory) code a postcode belongs to."""
    postcode = normalise_postcode(raw)
    head = int(postcode[:2])
    if head == 0:
        raise UnknownPostcode(f"{raw!r} names no département")
    if head == 20:
        return "2A" if int(postcode) < 20200 else "2B"
    if head == 97:
        code = postcode[:3]
        if code not in {"971", "972", "973", "974", "975", "976", "977", "978"}:
            raise UnknownPostcode(f"{raw!r} names no overseas département")
        # Saint-Barthélemy and Saint-Martin use 97133 / 97150 but are their own collectivities;
        # their codes 977 / 978 are accepted when written as such.
        return code
    if head == 98:
        code = postcode[:3]
        if code not in {"980", "986", "987", "988"}:
            raise UnknownPostcode(f"{raw!r} names no overseas collectivity")
        return code
    if head > 95:
        raise UnknownPostcode(f"{raw!r} names no département")
    return postcode[:2]
