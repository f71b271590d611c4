"""Human names for stored values (roles, kinds, statuses), marked for translation.

Pages show ``value|label``: the English name below, translated into the visitor's language.
"""

from __future__ import annotations

import enum

from collecte.core.i18n import gettext


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name for "mark, don't translate")
    """Mark a message for extraction without translating it now."""
    return message


LABELS: dict[str, str] = {
    # roles
    "admin": N_("Administrator"),
    "coordinator": N_("Coordinator"),
    "technician": N_("Technician"),
    "donor": N_("Donor"),
    "partner": N_("Partner"),
    "auditor": N_("Auditor"),
    # organisation kinds
    "workshop": N_("Workshop"),
}


def label(value: object) -> str:
    """The translated human name of a stored value (the value itself when it has none)."""
    key = str(value.value) if isinstance(value, enum.Enum) else str(value)
    name = LABELS.get(key)
    return gettext(name) if name else key
