"""What the device pages share beyond the web kit (``collecte.core.forms``): who does workshop
work, scan-station actions in words, and the refusals the device services word the same way."""

from __future__ import annotations

from collecte.auth.models import User
from collecte.auth.policy import does_workshop_work
from collecte.core.errors import Forbidden
from collecte.core.i18n import gettext
from collecte.core.vocabulary import N_, label


def require_workshop_staff(user: User) -> None:
    """Intake, scanning and label printing are workshop work."""
    if not does_workshop_work(user):
        raise Forbidden(f"a {user.role} may not do workshop work")


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


# Refusals the services word the same way every time, marked so the pages show them translated
# (a message with a value in it, or a new one, is shown as the service words it).
SERVICE_MESSAGES = (
    N_("the device has no storage to wipe"),
    N_("data protection: the storage has no verified erasure (or recorded destruction) yet"),
    N_("record the diagnosis checklist to mark the device diagnosed"),
    N_("diagnose the device before grading it"),
    N_("record the grade (functional and cosmetic) to mark the device graded"),
    N_("grade the device before making it available"),
    N_("a hold needs a reason"),
    N_("the device is not on hold"),
    N_("the device is already at that site"),
    N_("give weight_kg: exits to parts and recycling are counted by weight"),
    N_("weight_kg is only recorded on exits to parts or recycling"),
    N_("the device has no storage: no erasure to record"),
    N_("the erasure cannot end before it started"),
    N_("only an erased storage can be verified"),
    N_("say how the erasure was verified (verification_method)"),
    N_("no verified erasure yet: the certificate cannot be issued"),
    N_("site_id is required: the workshop has several sites"),
    N_("the workshop has no site"),
    N_("give at least one device code"),
)
