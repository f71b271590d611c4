"""What the device pages share beyond the web kit (``collecte.core.forms``): who does workshop
work and scan-station actions in words."""

from __future__ import annotations

from collecte.auth.models import User
from collecte.auth.policy import does_workshop_work
from collecte.core.errors import Forbidden
from collecte.core.i18n import gettext
from collecte.core.vocabulary import N_, label


def require_workshop_staff(user: User) -> None:
    """Intake, scanning and label printing are workshop work."""
    if not does_workshop_work(user):
        raise Forbidden(
            "not_workshop_staff", N_("a %(role)s may not do workshop work"), role=user.role
        )


# Scan-station actions as things to do (the event they leave is named in the vocabulary).
ACTION_NAMES = {
    "print_label": N_("Print the label"),
    "move": N_("Move"),
    "hold": N_("Put on hold"),
    "release": N_("Lift the hold"),
}


def action_label(action: str) -> str:
    """A scan-station action in words, in the current language: ``to:in_repair`` is "→ In repair"."""
    if action.startswith("to:"):
        return f"→ {label(action.removeprefix('to:'))}"
    name = ACTION_NAMES.get(action)
    return gettext(name) if name else action
