"""Pydantic's validation problems worded for readers, in one place: the pages show them beside a
field, a bulk import lists them by row; each is a ``Reason``, so any language can word it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collecte.core.errors import Reason
from collecte.core.vocabulary import N_

FIELD_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "bool_parsing": N_("Answer yes or no."),
    "enum": N_("Choose one of the listed values."),
    "literal_error": N_("Choose one of the listed values."),
    "string_pattern_mismatch": N_("This value is not in the expected format."),
    "greater_than": N_("Must be more than %(limit)s."),
    "greater_than_equal": N_("Must be at least %(limit)s."),
    "less_than": N_("Must be less than %(limit)s."),
    "less_than_equal": N_("Must be at most %(limit)s."),
    "string_too_long": N_("Too long: at most %(limit)s characters."),
    "finite_number": N_("Enter a number."),
    "null_not_allowed": N_("This field may be left out, but not emptied."),
    "control_character": N_("This text contains a control character."),
    "date_out_of_range": N_("Give a date from %(low)s to %(high)s."),
    "time_not_past": N_("Give a time from %(low)s up to now."),
    "siret_format": N_("A SIRET is 14 digits."),
    "siret_check_digit": N_(
        "This SIRET's check digit is wrong (Luhn key): a digit is mistyped; copy it again from "
        "the company's papers or the Sirene directory."
    ),
    "not_a_pseudonym": N_(
        "A reference of your own, never an email address or a phone number: it must not lead "
        "to the person."
    ),
}
LIMIT_KEYS = ("gt", "ge", "lt", "le", "max_length")


def validation_reason(problem: Mapping[str, Any]) -> Reason:
    """One of pydantic's ``errors()`` as a reason (its own English words when we have none)."""
    kind = str(problem.get("type", ""))
    message = FIELD_MESSAGES.get(kind)
    if message is None:
        return Reason("invalid_value", N_("%(message)s"), {"message": problem.get("msg", "")})
    context = problem.get("ctx") or {}
    limit = next((context[k] for k in LIMIT_KEYS if k in context), "")
    # The range types of core/schemas.py name their bounds in the context (low, high).
    return Reason(kind, message, {**{k: str(v) for k, v in context.items()}, "limit": limit})
