"""Grading: parsing the two axes and mapping them to the grade partners see."""

from __future__ import annotations

import itertools

import pytest

from collecte.devices.grading import (
    COSMETIC_LEVELS,
    FUNCTIONAL_LEVELS,
    Grade,
    grade_for,
    is_distributable,
    parse_cosmetic,
    parse_functional,
)


def test_levels() -> None:
    assert FUNCTIONAL_LEVELS == ("F1", "F2", "F3", "F4", "F5", "F6")
    assert COSMETIC_LEVELS == ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")


@pytest.mark.parametrize(("value", "level"), [("F1", 1), ("F4", 4), ("f4", 4), (" F6 ", 6)])
def test_parse_functional(value: str, level: int) -> None:
    assert parse_functional(value) == level


@pytest.mark.parametrize("value", ["F0", "F7", "F10", "4", "C4", "F", "", "F 4", "FF4"])
def test_parse_functional_refuses(value: str) -> None:
    with pytest.raises(ValueError, match="F1 to F6"):
        parse_functional(value)


@pytest.mark.parametrize(("value", "level"), [("C0", 0), ("C7", 7), ("c9", 9), ("C3\n", 3)])
def test_parse_cosmetic(value: str, level: int) -> None:
    assert parse_cosmetic(value) == level


@pytest.mark.parametrize("value", ["C10", "C-1", "7", "F7", "C", "", "CC7"])
def test_parse_cosmetic_refuses(value: str) -> None:
    with pytest.raises(ValueError, match="C0 to C9"):
        parse_cosmetic(value)


@pytest.mark.parametrize(
    ("functional", "cosmetic", "grade"),
    [
        # X: below F4 or below C3, whatever the other axis says.
        ("F3", "C9", Grade.X),
        ("F1", "C9", Grade.X),
        ("F6", "C2", Grade.X),
        ("F6", "C0", Grade.X),
        ("F3", "C2", Grade.X),
        # F4 / C3 are the lowest distributable levels.
        ("F4", "C3", Grade.C),
        ("F4", "C9", Grade.C),  # A and B need F5 however good it looks
        # F5 with C6 and more: A; with C4 or C5: B; with C3: C.
        ("F5", "C6", Grade.A),
        ("F6", "C9", Grade.A),
        ("F5", "C5", Grade.B),
        ("F5", "C4", Grade.B),
        ("F6", "C4", Grade.B),
        ("F5", "C3", Grade.C),
        ("F6", "C3", Grade.C),
        ("f5", "c6", Grade.A),
    ],
)
def test_grade_for_boundaries(functional: str, cosmetic: str, grade: Grade) -> None:
    assert grade_for(functional, cosmetic) is grade


def _design_rule(f: int, c: int) -> Grade:
    if f < 4 or c < 3:
        return Grade.X
    if f >= 5 and c >= 6:
        return Grade.A
    if f >= 5 and c >= 4:
        return Grade.B
    return Grade.C


@pytest.mark.parametrize(
    ("functional", "cosmetic"), list(itertools.product(FUNCTIONAL_LEVELS, COSMETIC_LEVELS))
)
def test_grade_for_every_combination(functional: str, cosmetic: str) -> None:
    assert grade_for(functional, cosmetic) is _design_rule(int(functional[1]), int(cosmetic[1]))


@pytest.mark.parametrize(("functional", "cosmetic"), [("F7", "C5"), ("F5", "C10"), ("", "")])
def test_grade_for_refuses_unknown_levels(functional: str, cosmetic: str) -> None:
    with pytest.raises(ValueError, match="grade is"):
        grade_for(functional, cosmetic)


@pytest.mark.parametrize(
    ("grade", "distributable"),
    [(Grade.A, True), (Grade.B, True), (Grade.C, True), (Grade.X, False)],
)
def test_is_distributable(grade: Grade, distributable: bool) -> None:
    assert is_distributable(grade) is distributable


def test_is_distributable_accepts_the_stored_string() -> None:
    assert is_distributable(Grade("X")) is False
    assert is_distributable("X") is False  # type: ignore[arg-type]
