"""Verification codes: 12 random Crockford base32 characters, printed ``XXXX-XXXX-XXXX``.

60 random bits: a code cannot be guessed, and a reader who mistypes O for 0 or I/L for 1 still
finds the document (Crockford's decoding rules).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    """A fresh random verification code (from ``secrets``)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(raw: str) -> str | None:
    """The code a reader typed, in canonical form; None if it cannot be one."""
    cleaned = re.sub(r"[\s\-.]", "", raw).upper().translate(_READ_AS)
    return cleaned if _CODE.match(cleaned) else None


def grouped(code: str) -> str:
    """The code as printed: ``XXXX-XXXX-XXXX``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
