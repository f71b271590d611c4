"""SIRET numbers: 14 digits whose last is a Luhn check digit (INSEE), so a mistyped digit or two
swapped neighbours is caught before it is printed on a receipt or a certificate."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# La Poste's establishments share one SIREN, more of them than the Luhn key can number: INSEE
# accepts theirs when the sum of the 14 digits is a multiple of 5.
LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (its last digit is the key)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def siret_valid(siret: str) -> bool:
    """Whether a 14-digit SIRET carries a right check digit."""
    if luhn_valid(siret):
        return True
    return siret.startswith(LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0


def check_siret(value: str) -> str:
    """A SIRET as typed (spaces allowed between the groups): 14 digits with a right check digit."""
    siret = value.replace(" ", "").replace("\u00a0", "")
    if len(siret) != 14 or not (siret.isascii() and siret.isdigit()):
        raise PydanticCustomError("siret_format", "a SIRET is 14 digits")
    if not siret_valid(siret):
        raise PydanticCustomError(
            "siret_check_digit",
            "this SIRET's check digit is wrong (Luhn key): a digit is mistyped",
        )
    return siret


Siret = Annotated[str, AfterValidator(check_siret)]
