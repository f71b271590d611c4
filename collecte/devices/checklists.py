"""Diagnosis checklists per device category: what is checked, how answers are read, what fails."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from collecte.core.errors import Reason, RuleError, Term
from collecte.core.vocabulary import N_

CheckKind = Literal["bool", "percent", "text", "choice"]

MAX_TEXT_LENGTH = 500
# Below this a battery does not last a school or working day; it is replaced or the device fails.
MIN_BATTERY_HEALTH = 50

_TRUE_WORDS = frozenset({"yes", "true", "ok"})
_FALSE_WORDS = frozenset({"no", "false", "fail"})
_PERCENT = re.compile(r"([0-9]{1,3})\s*%?")


class Category(enum.StrEnum):
    LAPTOP = "laptop"
    DESKTOP = "desktop"
    SMARTPHONE = "smartphone"
    TABLET = "tablet"
    MONITOR = "monitor"
    PRINTER = "printer"
    OTHER = "other"


@dataclass(frozen=True)
class CheckItem:
    name: str
    kind: CheckKind
    label: str
    required: bool = True
    choices: tuple[str, ...] = ()


def _bool(name: str, label: str, *, required: bool = True) -> CheckItem:
    return CheckItem(name, "bool", label, required)


_BOOTS = _bool("boots", "Boots to an operating system")
_POWERS_ON = _bool("powers_on", "Powers on")
_BATTERY = CheckItem("battery_health", "percent", "Battery health (% of design capacity)")
_SCREEN = _bool("screen", "Screen works, no major defect")
_PORTS = _bool("ports", "Ports work")
_WIFI = _bool("wifi", "Wi-Fi connects")
_TOUCH = _bool("touch", "Touch screen responds everywhere")
_CAMERAS = _bool("cameras", "Cameras work")
_BUTTONS = _bool("buttons", "Buttons work")
_ACCOUNT_LOCK = _bool("account_lock_removed", "No account lock (Google, Apple, Samsung)")
_STORAGE_SMART = CheckItem(
    "storage_smart",
    "choice",
    "Storage SMART status (none: no storage)",
    choices=("ok", "warning", "failed", "none"),
)

CHECKLISTS: Mapping[Category, tuple[CheckItem, ...]] = MappingProxyType(
    {
        Category.LAPTOP: (
            _BOOTS,
            _BATTERY,
            _SCREEN,
            _bool("keyboard", "Every key works"),
            _bool("touchpad", "Touchpad and its buttons work"),
            _PORTS,
            _STORAGE_SMART,
            _bool("camera", "Webcam works"),
            _WIFI,
        ),
        Category.DESKTOP: (
            _BOOTS,
            _PORTS,
            _STORAGE_SMART,
            _bool("ram_test", "Memory test passes"),
            _bool("wifi", "Wi-Fi connects", required=False),  # many desktops have none
            _bool("psu_fan", "Power supply and fans run quietly"),
        ),
        Category.SMARTPHONE: (
            _bool("imei_clean", "IMEI not blacklisted"),
            _ACCOUNT_LOCK,
            _BATTERY,
            _SCREEN,
            _TOUCH,
            _CAMERAS,
            _BUTTONS,
        ),
        Category.TABLET: (_ACCOUNT_LOCK, _BATTERY, _SCREEN, _TOUCH, _CAMERAS, _BUTTONS, _WIFI),
        Category.MONITOR: (
            _POWERS_ON,
            CheckItem("dead_pixels", "choice", "Dead pixels", choices=("none", "few", "many")),
            _bool("inputs", "Every video input shows a picture"),
            _bool("stand", "Stand present and holds the screen"),
        ),
        Category.PRINTER: (
            _POWERS_ON,
            _bool("test_page", "Prints a clean test page"),
            CheckItem(
                "consumables", "choice", "Ink or toner level", choices=("ok", "low", "empty")
            ),
        ),
        Category.OTHER: (
            _POWERS_ON,
            CheckItem("notes", "text", "What was checked", required=False),
        ),
    }
)


class ChecklistError(ValueError):
    """Checks that do not fit the category's checklist: ``reasons`` words every one in any
    language, ``problems`` in English."""

    def __init__(self, reasons: list[Reason]) -> None:
        self.reasons = reasons
        self.problems = [reason.detail for reason in reasons]
        super().__init__("; ".join(self.problems))


def validate_checks(category: Category, checks: Mapping[str, object]) -> dict[str, object]:
    """The checks normalised to their kinds, or ChecklistError listing every problem."""
    items = {item.name: item for item in CHECKLISTS[category]}
    problems = [
        Reason(
            "unknown_check",
            N_("unknown check '%(name)s' for a %(category)s (expected one of: %(expected)s)"),
            {"name": name, "category": category, "expected": list(items)},
        )
        for name in checks
        if name not in items
    ]
    normalised: dict[str, object] = {}
    for name, item in items.items():
        value = checks.get(name)
        if value is None:  # JSON null and an absent key both mean "not answered"
            if item.required:
                problems.append(
                    Reason(
                        "missing_check",
                        N_("missing check '%(name)s' (%(check)s)"),
                        {"name": name, "check": Term(name)},
                    )
                )
            continue
        try:
            normalised[name] = _normalise(item, value)
        except RuleError as error:
            problems.append(
                Reason(
                    "invalid_check",
                    N_("check '%(name)s': %(problem)s"),
                    {"name": name, "problem": error.reason},
                )
            )
    if problems:
        raise ChecklistError(problems)
    return normalised


def suggested_result(category: Category, checks: Mapping[str, object]) -> Literal["pass", "fail"]:
    """The result a technician most likely records; they may still override it.

    Fails when a required yes/no check is answered no, the storage SMART status is
    ``failed``, the battery health is below MIN_BATTERY_HEALTH %, or a monitor has many
    dead pixels. Optional checks (a desktop without Wi-Fi) and consumables never fail a device.
    """
    normalised = validate_checks(category, checks)
    for item in CHECKLISTS[category]:
        value = normalised.get(item.name)
        if item.kind == "bool" and item.required and value is False:
            return "fail"
    battery = normalised.get("battery_health")
    if isinstance(battery, int) and battery < MIN_BATTERY_HEALTH:
        return "fail"
    if normalised.get("storage_smart") == "failed" or normalised.get("dead_pixels") == "many":
        return "fail"
    return "pass"


def _normalise(item: CheckItem, value: object) -> object:
    if item.kind == "bool":
        return _to_bool(value)
    if item.kind == "percent":
        return _to_percent(value)
    if item.kind == "choice":
        if isinstance(value, str) and value.strip().lower() in item.choices:
            return value.strip().lower()
        raise RuleError(
            "expected_choice",
            N_("expected one of %(choices)s, got %(value)r"),
            choices=list(item.choices),
            value=value,
        )
    if not isinstance(value, str):
        raise RuleError(
            "expected_text", N_("expected text, got %(kind)s"), kind=type(value).__name__
        )
    text = value.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise RuleError(
            "text_too_long",
            N_("text is limited to %(limit)s characters, got %(length)s"),
            limit=MAX_TEXT_LENGTH,
            length=len(text),
        )
    return text


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise RuleError("expected_yes_no", N_("expected yes or no, got %(value)r"), value=value)


def _to_percent(value: object) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and (match := _PERCENT.fullmatch(value.strip())):
        number = int(match.group(1))
    if number is None or not 0 <= number <= 100:
        raise RuleError(
            "expected_percentage",
            N_("expected a whole percentage from 0 to 100, got %(value)r"),
            value=value,
        )
    return number
