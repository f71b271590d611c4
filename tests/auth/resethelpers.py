"""What the password tests share: the reset link read from the outbox, as its recipient would."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.resets import RESET_EVENT, RESET_PATH
from collecte.notifications.models import OutboxMessage

NEW_PASSWORD = "another long password"


def reset_messages(db: Session, email: str) -> list[OutboxMessage]:
    """The reset emails queued for an address, oldest first."""
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.recipient == email,
                OutboxMessage.event_key.startswith(RESET_EVENT),
            )
            .order_by(OutboxMessage.id)
        )
    )


def link_path(message: OutboxMessage) -> str:
    """The path of the link in a reset email (/password/reset/<token>)."""
    found = re.search(re.escape(RESET_PATH) + r"[\w-]+", message.body)
    assert found, message.body
    return found.group(0)


def latest_link(db: Session, email: str) -> str:
    messages = reset_messages(db, email)
    assert messages, f"no reset email for {email}"
    return link_path(messages[-1])
