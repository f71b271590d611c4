"""JSON API of the audit: the event log's hash chain verified."""

from __future__ import annotations

from fastapi import APIRouter

from collecte.audit.policy import require_log_verifier
from collecte.audit.schemas import VerificationOut
from collecte.auth.deps import CurrentUser
from collecte.core import chain
from collecte.core.db import SessionDep

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get(
    "/verify",
    response_model=VerificationOut,
    responses={403: {"description": "Only the operator and auditors verify the log"}},
)
def verify_the_log(session: SessionDep, viewer: CurrentUser) -> VerificationOut:
    """Recompute every event's link in log order: `ok`, events `checked`, the `first_broken`
    link (or null) and the chain's `head`."""
    require_log_verifier(viewer)
    return VerificationOut.of(chain.verify(session))
