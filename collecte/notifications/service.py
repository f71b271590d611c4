"""Queue emails in the outbox within the business transaction; send them over SMTP afterwards.

Queueing in the same transaction means an email exists exactly when the change it announces was
committed; sending is a separate step (`collecte outbox send`), retried until it succeeds.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.types import utcnow
from collecte.notifications.models import OutboxMessage
from collecte.notifications.policy import outbox_visibility


def queue_email(
    session: Session,
    *,
    event_key: str,
    recipient: str,
    subject: str,
    body: str,
    organization_id: int | None,
    pickup_id: int | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox, unless this event already queued one for this recipient."""
    existing = session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.event_key == event_key, OutboxMessage.recipient == recipient
        )
    )
    if existing is not None:
        return None
    message = OutboxMessage(
        event_key=event_key,
        recipient=recipient,
        subject=subject,
        body=body,
        organization_id=organization_id,
        pickup_id=pickup_id,
    )
    session.add(message)
    return message


def outbox_messages(*, unsent: bool, viewer: User | None = None) -> Select[OutboxMessage]:
    """The outbox, newest first; ``unsent`` keeps the messages not delivered yet.

    A ``viewer`` reads what it may (``policy.outbox_visibility``); without one (the server's own
    CLI), everything.
    """
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if viewer is not None:
        query = query.where(outbox_visibility(viewer))
    return query.where(OutboxMessage.sent_at.is_(None)) if unsent else query


def send_pending(session: Session, *, settings: Settings, limit: int = 200) -> tuple[int, int]:
    """Send unsent messages over SMTP (when configured): (sent, failed). Failures stay queued."""
    if not settings.smtp_host:
        return 0, 0
    pending = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    if not pending:
        return 0, 0
    sent = failed = 0
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        for message in pending:
            email = EmailMessage()
            email["From"] = settings.mail_from
            email["To"] = message.recipient
            email["Subject"] = message.subject
            email.set_content(message.body)
            message.attempts += 1
            try:
                smtp.send_message(email)
            except smtplib.SMTPException as exc:
                message.last_error = str(exc)[:2000]
                failed += 1
            else:
                message.sent_at, message.last_error = utcnow(), ""
                sent += 1
    return sent, failed
