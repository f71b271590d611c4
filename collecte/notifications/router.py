"""The outbox, readable by the operator, and by coordinators for their own pickups (emails are
kept even without SMTP)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from collecte.auth.deps import CurrentUser
from collecte.core.db import SessionDep
from collecte.core.schemas import IdPath, Limit, Offset
from collecte.notifications.models import OutboxMessage
from collecte.notifications.policy import require_outbox_reader
from collecte.notifications.service import outbox_messages, resend_message

router = APIRouter(prefix="/api/v1", tags=["notifications"])


def _message_out(m: OutboxMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "recipient": m.recipient,
        "subject": m.subject,
        "body": m.body,
        "state": m.state,
        "created_at": m.created_at.isoformat(),
        "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        "attempts": m.attempts,
        "last_error": m.last_error,
    }


@router.get("/outbox")
def list_outbox(
    session: SessionDep,
    viewer: CurrentUser,
    unsent: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Queued emails, newest first; `unsent=true` for those not delivered yet."""
    require_outbox_reader(viewer)
    return [
        _message_out(m)
        for m in session.scalars(
            outbox_messages(unsent=unsent, viewer=viewer).limit(limit).offset(offset)
        )
    ]


@router.post("/outbox/{message_id}/resend")
def resend(message_id: IdPath, session: SessionDep, viewer: CurrentUser) -> dict[str, Any]:
    """Queue a message not delivered yet for the next sending run, its failures cleared; a sent
    one is not sent twice (409)."""
    return _message_out(resend_message(session, viewer=viewer, message_id=message_id))
