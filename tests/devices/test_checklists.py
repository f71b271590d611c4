"""Diagnosis checklists: contents per category, validation of answers, the suggested result."""

from __future__ import annotations

import pytest

from collecte.devices.checklists import (
    CHECKLISTS,
    MAX_TEXT_LENGTH,
    Category,
    CheckItem,
    ChecklistError,
    suggested_result,
    validate_checks,
)

LAPTOP_OK: dict[str, object] = {
    "boots": True,
    "battery_health": 82,
    "screen": True,
    "keyboard": True,
    "touchpad": True,
    "ports": True,
    "storage_smart": "ok",
    "camera": True,
    "wifi": True,
}

# A passing answer for every category, in the forms a form or an API client sends.
GOOD_ANSWERS: dict[Category, dict[str, object]] = {
    Category.LAPTOP: LAPTOP_OK,
    Category.DESKTOP: {
        "boots": "yes",
        "ports": "ok",
        "storage_smart": "OK",
        "ram_test": "true",
        "psu_fan": True,
    },
    Category.SMARTPHONE: {
        "imei_clean": True,
        "account_lock_removed": True,
        "battery_health": "91%",
        "screen": True,
        "touch": True,
        "cameras": True,
        "buttons": True,
    },
    Category.TABLET: {
        "account_lock_removed": "yes",
        "battery_health": 77,
        "screen": True,
        "touch": True,
        "cameras": True,
        "buttons": True,
        "wifi": True,
    },
    Category.MONITOR: {"powers_on": True, "dead_pixels": "few", "inputs": True, "stand": True},
    Category.PRINTER: {"powers_on": True, "test_page": True, "consumables": "empty"},
    Category.OTHER: {"powers_on": "Yes"},
}


def _items(category: Category) -> dict[str, CheckItem]:
    return {item.name: item for item in CHECKLISTS[category]}


@pytest.mark.parametrize(
    ("category", "names"),
    [
        (
            Category.LAPTOP,
            [
                "boots",
                "battery_health",
                "screen",
                "keyboard",
                "touchpad",
                "ports",
                "storage_smart",
                "camera",
                "wifi",
            ],
        ),
        (Category.DESKTOP, ["boots", "ports", "storage_smart", "ram_test", "wifi", "psu_fan"]),
        (
            Category.SMARTPHONE,
            [
                "imei_clean",
                "account_lock_removed",
                "battery_health",
                "screen",
                "touch",
                "cameras",
                "buttons",
            ],
        ),
        (
            Category.TABLET,
            [
                "account_lock_removed",
                "battery_health",
                "screen",
                "touch",
                "cameras",
                "buttons",
                "wifi",
            ],
        ),
        (Category.MONITOR, ["powers_on", "dead_pixels", "inputs", "stand"]),
        (Category.PRINTER, ["powers_on", "test_page", "consumables"]),
        (Category.OTHER, ["powers_on", "notes"]),
    ],
)
def test_checklist_contents(category: Category, names: list[str]) -> None:
    assert [item.name for item in CHECKLISTS[category]] == names


def test_every_category_has_a_checklist() -> None:
    assert set(CHECKLISTS) == set(Category)


@pytest.mark.parametrize(
    ("category", "name", "kind", "choices"),
    [
        (Category.LAPTOP, "battery_health", "percent", ()),
        (Category.LAPTOP, "storage_smart", "choice", ("ok", "warning", "failed", "none")),
        (Category.DESKTOP, "storage_smart", "choice", ("ok", "warning", "failed", "none")),
        (Category.SMARTPHONE, "account_lock_removed", "bool", ()),
        (Category.TABLET, "battery_health", "percent", ()),
        (Category.MONITOR, "dead_pixels", "choice", ("none", "few", "many")),
        (Category.PRINTER, "consumables", "choice", ("ok", "low", "empty")),
        (Category.OTHER, "powers_on", "bool", ()),
        (Category.OTHER, "notes", "text", ()),
    ],
)
def test_item_kinds(category: Category, name: str, kind: str, choices: tuple[str, ...]) -> None:
    item = _items(category)[name]
    assert (item.kind, item.choices) == (kind, choices)


@pytest.mark.parametrize(
    ("category", "optional"),
    [
        (Category.DESKTOP, {"wifi"}),
        (Category.OTHER, {"notes"}),
        (Category.LAPTOP, set()),
        (Category.SMARTPHONE, set()),
        (Category.TABLET, set()),
        (Category.MONITOR, set()),
        (Category.PRINTER, set()),
    ],
)
def test_optional_items(category: Category, optional: set[str]) -> None:
    assert {item.name for item in CHECKLISTS[category] if not item.required} == optional


@pytest.mark.parametrize("category", list(Category))
def test_every_item_has_an_english_label(category: Category) -> None:
    assert all(item.label and item.label[0].isupper() for item in CHECKLISTS[category])


@pytest.mark.parametrize("category", list(Category))
def test_good_answers_validate(category: Category) -> None:
    checks = validate_checks(category, GOOD_ANSWERS[category])
    assert set(checks) <= set(_items(category))


def test_validate_normalises_values() -> None:
    assert validate_checks(Category.DESKTOP, GOOD_ANSWERS[Category.DESKTOP]) == {
        "boots": True,
        "ports": True,
        "storage_smart": "ok",
        "ram_test": True,
        "psu_fan": True,
    }


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (True, True),
        (False, False),
        ("yes", True),
        ("no", False),
        ("true", True),
        ("false", False),
        ("ok", True),
        ("fail", False),
        (" YES ", True),
        ("False", False),
    ],
)
def test_bool_answers(raw: object, value: bool) -> None:
    assert validate_checks(Category.OTHER, {"powers_on": raw}) == {"powers_on": value}


@pytest.mark.parametrize("raw", ["maybe", "", 1, 0, 1.0, ["yes"]])
def test_bool_refuses(raw: object) -> None:
    with pytest.raises(ChecklistError, match="powers_on"):
        validate_checks(Category.OTHER, {"powers_on": raw})


@pytest.mark.parametrize(
    ("raw", "value"), [(0, 0), (50, 50), (100, 100), ("87", 87), ("87%", 87), (" 87 % ", 87)]
)
def test_percent_answers(raw: object, value: int) -> None:
    checks = validate_checks(Category.LAPTOP, {**LAPTOP_OK, "battery_health": raw})
    assert checks["battery_health"] == value


@pytest.mark.parametrize("raw", [-1, 101, "101%", "eighty", 87.5, True, "", "8 7"])
def test_percent_refuses(raw: object) -> None:
    with pytest.raises(ChecklistError, match=r"battery_health.*0 to 100"):
        validate_checks(Category.LAPTOP, {**LAPTOP_OK, "battery_health": raw})


@pytest.mark.parametrize(("raw", "value"), [("ok", "ok"), ("Warning", "warning"), ("none", "none")])
def test_choice_answers(raw: str, value: str) -> None:
    checks = validate_checks(Category.LAPTOP, {**LAPTOP_OK, "storage_smart": raw})
    assert checks["storage_smart"] == value


@pytest.mark.parametrize("raw", ["good", "", True, 3])
def test_choice_refuses(raw: object) -> None:
    with pytest.raises(ChecklistError, match="ok, warning, failed, none"):
        validate_checks(Category.LAPTOP, {**LAPTOP_OK, "storage_smart": raw})


def test_text_answers_are_stripped_and_limited() -> None:
    checks = validate_checks(Category.OTHER, {"powers_on": True, "notes": "  fan noisy  "})
    assert checks["notes"] == "fan noisy"
    validate_checks(Category.OTHER, {"powers_on": True, "notes": "x" * MAX_TEXT_LENGTH})
    with pytest.raises(ChecklistError, match="500 characters"):
        validate_checks(Category.OTHER, {"powers_on": True, "notes": "x" * (MAX_TEXT_LENGTH + 1)})
    with pytest.raises(ChecklistError, match="expected text"):
        validate_checks(Category.OTHER, {"powers_on": True, "notes": 42})


def test_optional_items_may_be_left_out_or_null() -> None:
    assert validate_checks(Category.OTHER, {"powers_on": True}) == {"powers_on": True}
    assert validate_checks(Category.OTHER, {"powers_on": True, "notes": None}) == {
        "powers_on": True
    }


def test_a_null_required_item_is_missing() -> None:
    with pytest.raises(ChecklistError, match="missing check 'powers_on'"):
        validate_checks(Category.OTHER, {"powers_on": None})


def test_every_problem_is_reported_at_once() -> None:
    checks = {
        "boots": "perhaps",  # wrong value
        "battery_health": 120,  # out of range
        "screen": True,
        "keyboard": True,
        "ports": True,
        "storage_smart": "ok",
        "camera": True,
        "wifi": True,
        "fingerprint_reader": True,  # unknown
        # touchpad missing
    }
    with pytest.raises(ChecklistError) as caught:
        validate_checks(Category.LAPTOP, checks)
    problems = caught.value.problems
    assert len(problems) == 4
    assert any("unknown check 'fingerprint_reader'" in problem for problem in problems)
    assert any("missing check 'touchpad'" in problem for problem in problems)
    assert any("'boots'" in problem and "perhaps" in problem for problem in problems)
    assert any("'battery_health'" in problem and "120" in problem for problem in problems)
    assert str(caught.value) == "; ".join(problems)


def test_items_of_another_category_are_unknown() -> None:
    with pytest.raises(ChecklistError, match="unknown check 'imei_clean' for a laptop"):
        validate_checks(Category.LAPTOP, {**LAPTOP_OK, "imei_clean": True})


def test_checklist_error_is_a_value_error() -> None:
    assert issubclass(ChecklistError, ValueError)


@pytest.mark.parametrize("category", list(Category))
def test_good_answers_suggest_pass(category: Category) -> None:
    assert suggested_result(category, GOOD_ANSWERS[category]) == "pass"


@pytest.mark.parametrize(
    ("category", "change"),
    [
        (Category.LAPTOP, {"boots": False}),
        (Category.LAPTOP, {"keyboard": "no"}),
        (Category.LAPTOP, {"storage_smart": "failed"}),
        (Category.LAPTOP, {"battery_health": 49}),
        (Category.SMARTPHONE, {"account_lock_removed": False}),
        (Category.SMARTPHONE, {"imei_clean": "fail"}),
        (Category.TABLET, {"battery_health": "10%"}),
        (Category.MONITOR, {"dead_pixels": "many"}),
        (Category.PRINTER, {"test_page": False}),
        (Category.OTHER, {"powers_on": False}),
    ],
)
def test_suggested_result_fails(category: Category, change: dict[str, object]) -> None:
    assert suggested_result(category, {**GOOD_ANSWERS[category], **change}) == "fail"


@pytest.mark.parametrize(
    ("category", "change"),
    [
        (Category.LAPTOP, {"battery_health": 50}),
        (Category.LAPTOP, {"storage_smart": "warning"}),
        (Category.LAPTOP, {"storage_smart": "none"}),
        (Category.DESKTOP, {"wifi": False}),  # optional: a desktop without Wi-Fi is fine
        (Category.PRINTER, {"consumables": "empty"}),
        (Category.MONITOR, {"dead_pixels": "few"}),
    ],
)
def test_suggested_result_passes(category: Category, change: dict[str, object]) -> None:
    assert suggested_result(category, {**GOOD_ANSWERS[category], **change}) == "pass"


def test_suggested_result_validates_first() -> None:
    with pytest.raises(ChecklistError):
        suggested_result(Category.LAPTOP, {"boots": True})
