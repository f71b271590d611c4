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
from collecte.core.errors import Conflict, NotFound
from collecte.core.listing import contains_text
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.notifications.models import OutboxMessage, OutboxState
from collecte.notifications.policy import outbox_visibility, require_outbox_reader


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


def filtered_messages(
    *, viewer: User, state: OutboxState | None = None, q: str = ""
) -> Select[OutboxMessage]:
    """The messages a viewer may read, newest first, in one state and matching a search on the
    recipient or the subject."""
    query = outbox_messages(unsent=False, viewer=viewer)
    if state is not None:
        query = query.where(OutboxMessage.state == state.value)
    matching = contains_text(q, OutboxMessage.recipient, OutboxMessage.subject)
    if matching is not None:
        query = query.where(matching)
    return query


def resend_message(session: Session, *, viewer: User, message_id: int) -> OutboxMessage:
    """Queue a message not delivered yet for the next sending run, its failures forgotten; a
    delivered one is not sent twice (409)."""
    require_outbox_reader(viewer)
    message = session.scalar(
        outbox_messages(unsent=False, viewer=viewer).where(OutboxMessage.id == message_id)
    )
    if message is None:
        raise NotFound("not_found", N_("no message %(message)s"), message=message_id)
    if message.sent_at is not None:
        raise Conflict(
            "message_already_sent",
            N_("message %(message)s was already sent; it is not sent twice"),
            message=message_id,
        )
    message.attempts, message.last_error = 0, ""
    session.flush()
    session.refresh(message, ["state"])  # queued again
    return message


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
