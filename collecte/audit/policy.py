"""Who may verify the event log: those who read the whole network (the operator, the auditor);
a verification reads every event of every organisation."""

from __future__ import annotations

from collecte.auth.policy import NETWORK_WIDE_ROLES, Principal
from collecte.core.errors import Forbidden
from collecte.core.vocabulary import N_


def can_verify_the_log(viewer: Principal) -> bool:
    return viewer.role in NETWORK_WIDE_ROLES


def require_log_verifier(viewer: Principal) -> None:
    """Others get 403: the answer would tell of events they may not see."""
    if not can_verify_the_log(viewer):
        # The wording every role refusal shares: no new message to translate.
        raise Forbidden("may_not_verify_log", N_("a %(role)s may not do this"), role=viewer.role)
