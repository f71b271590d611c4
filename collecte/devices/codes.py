"""Device codes: 7 random Crockford base32 characters and a Luhn mod 32 check character.

The check character catches every single-character substitution and every adjacent
transposition except one: swapping ``0`` and ``Z`` (the first and last characters of the
alphabet) is invisible to Luhn mod N, as ``09``/``90`` is to the decimal Luhn check.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import unquote, urlsplit

from collecte.core.errors import RuleError
from collecte.core.vocabulary import N_

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
PAYLOAD_LENGTH = 7
CODE_LENGTH = PAYLOAD_LENGTH + 1

_N = len(ALPHABET)
_INDEX = {character: index for index, character in enumerate(ALPHABET)}
# Crockford's reading rules: letters that look like digits are read as those digits.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_]+")


class InvalidCode(RuleError):
    """Text that cannot be a device code; the message says what is wrong."""


def check_character(payload: str) -> str:
    """The Luhn mod 32 check character of a 7-character payload."""
    if len(payload) != PAYLOAD_LENGTH:
        raise InvalidCode(
            "invalid_payload_length",
            N_("a code payload has %(length)s characters, got %(got)s"),
            length=PAYLOAD_LENGTH,
            got=len(payload),
        )
    total = 0
    factor = 2  # the rightmost payload character is doubled
    for character in reversed(payload):
        try:
            addend = factor * _INDEX[character]
        except KeyError:
            raise _not_in_alphabet(character) from None
        total += addend // _N + addend % _N  # sum of the base-N digits
        factor = 1 if factor == 2 else 2
    return ALPHABET[(_N - total % _N) % _N]


def is_valid(code: str) -> bool:
    """Whether ``code`` is exactly 8 alphabet characters with a matching check character."""
    if len(code) != CODE_LENGTH or any(character not in _INDEX for character in code):
        return False
    return check_character(code[:PAYLOAD_LENGTH]) == code[PAYLOAD_LENGTH]


def generate_code() -> str:
    """A new random device code (7 characters from ``secrets`` and the check character)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
    return payload + check_character(payload)


def normalise(raw: str) -> str:
    """Turn scanner or typed text (or a device page URL from a QR code) into a candidate code."""
    text = raw.strip()
    if "/" in text:
        # A QR code carries the device page URL; the code is its last path segment.
        segments = [segment for segment in urlsplit(text).path.split("/") if segment]
        text = unquote(segments[-1]) if segments else ""
    # U stays as it is: it is not in the alphabet and validation will say so.
    return _SEPARATORS.sub("", text).upper().translate(_LOOKALIKES)


def parse_code(raw: str) -> str:
    """Normalise ``raw`` and return the code, or raise InvalidCode saying what is wrong."""
    code = normalise(raw)
    if not code:
        raise InvalidCode("no_code", N_("no device code was given"))
    if len(code) != CODE_LENGTH:
        raise InvalidCode(
            "invalid_code_length",
            N_("a device code has %(length)s characters, got %(got)s ('%(code)s')"),
            length=CODE_LENGTH,
            got=len(code),
            code=code,
        )
    for character in code:
        if character not in _INDEX:
            raise _not_in_alphabet(character)
    if check_character(code[:PAYLOAD_LENGTH]) != code[PAYLOAD_LENGTH]:
        raise InvalidCode(
            "wrong_check_character",
            N_(
                "'%(code)s' is not a device code: its check character is wrong "
                "(a character was probably misread or mistyped)"
            ),
            code=code,
        )
    return code


def format_code(code: str) -> str:
    """The code as printed, in two groups of four: ``7K3Q XMT5``."""
    return f"{code[:4]} {code[4:]}"


def _not_in_alphabet(character: str) -> InvalidCode:
    return InvalidCode(
        "not_a_code_character",
        N_(
            "'%(character)s' is not a device code character "
            "(codes use the digits and the letters A-Z except I, L, O and U)"
        ),
        character=character,
    )
