"""Grading on two axes (functional F1-F6, cosmetic C0-C9) mapped to the grade partners see."""

from __future__ import annotations

import enum
import re

from collecte.core.errors import RuleError
from collecte.core.vocabulary import N_


class Grade(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"
    X = "X"  # not distributable: parts or recycling


FUNCTIONAL_LEVELS = ("F1", "F2", "F3", "F4", "F5", "F6")
COSMETIC_LEVELS = ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")

# The thresholds of the design's mapping, named once.
MIN_DISTRIBUTABLE_FUNCTIONAL = 4
MIN_DISTRIBUTABLE_COSMETIC = 3
MIN_AB_FUNCTIONAL = 5
MIN_A_COSMETIC = 6
MIN_B_COSMETIC = 4

_FUNCTIONAL = re.compile(r"[Ff]([1-6])")
_COSMETIC = re.compile(r"[Cc]([0-9])")


class GradeError(RuleError):
    """Text that is not a functional or cosmetic level."""


def parse_functional(value: str) -> int:
    """The functional level of ``"F4"`` (or ``"f4"``) as 4."""
    match = _FUNCTIONAL.fullmatch(value.strip())
    if match is None:
        raise GradeError(
            "invalid_functional_grade",
            N_("a functional grade is F1 to F6, got '%(value)s'"),
            value=value,
        )
    return int(match.group(1))


def parse_cosmetic(value: str) -> int:
    """The cosmetic level of ``"C7"`` (or ``"c7"``) as 7."""
    match = _COSMETIC.fullmatch(value.strip())
    if match is None:
        raise GradeError(
            "invalid_cosmetic_grade",
            N_("a cosmetic grade is C0 to C9, got '%(value)s'"),
            value=value,
        )
    return int(match.group(1))


def grade_for(functional: str, cosmetic: str) -> Grade:
    """The partner-facing grade of a functional and a cosmetic level."""
    f = parse_functional(functional)
    c = parse_cosmetic(cosmetic)
    if f < MIN_DISTRIBUTABLE_FUNCTIONAL or c < MIN_DISTRIBUTABLE_COSMETIC:
        return Grade.X
    if f >= MIN_AB_FUNCTIONAL and c >= MIN_A_COSMETIC:
        return Grade.A
    if f >= MIN_AB_FUNCTIONAL and c >= MIN_B_COSMETIC:
        return Grade.B
    return Grade.C


def is_distributable(grade: Grade) -> bool:
    """Whether a device of this grade may go to a partner (every grade but X)."""
    return grade != Grade.X
