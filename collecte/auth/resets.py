"""Password reset by a one-time link sent through the outbox.

The link carries a random token; only its SHA-256 is stored, so reading the table (or a backup)
opens no account. A link works once, for ``password_reset_ttl_minutes``, and a newer link, a
password change or a deactivation ends it. The "forgot password" form answers the same whatever
the address, and sends an account at most ``password_reset_max_per_hour`` links an hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from collecte.auth.accounts import end_reset_links, set_password
from collecte.auth.models import PasswordReset, User
from collecte.auth.service import check_password_length, normalise_email
from collecte.config import Settings
from collecte.core.errors import Conflict, NotFound
from collecte.core.vocabulary import N_
from collecte.notifications.emails import render_email
from collecte.notifications.models import OutboxMessage
from collecte.notifications.service import queue_email

RESET_PATH = "/password/reset/"
# How a reset email's event key starts (the outbox page words these messages).
RESET_EVENT = "password_reset:"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_reset_link(
    session: Session,
    *,
    user: User,
    settings: Settings,
    language: str,
    now: dt.datetime,
    by_admin: bool,
) -> OutboxMessage:
    """Queue an email with a new one-time link for the account; earlier links stop working."""
    if not user.active:
        raise Conflict(
            "account_inactive",
            N_("%(email)s is deactivated: reactivate it before sending a reset link"),
            email=user.email,
        )
    end_reset_links(session, user_id=user.id, now=now)
    token = secrets.token_urlsafe(32)
    minutes = settings.password_reset_ttl_minutes
    reset = PasswordReset(
        user_id=user.id,
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=minutes),
        by_admin=by_admin,
    )
    session.add(reset)
    session.flush()  # the id names the email, so each link is its own outbox message
    subject, body = render_email(
        "password_reset",
        language,
        user=user,
        link=f"{settings.public_base_url.rstrip('/')}{RESET_PATH}{token}",
        minutes=minutes,
        programme=settings.programme_name,
        by_admin=by_admin,
    )
    message = queue_email(
        session,
        event_key=f"{RESET_EVENT}{reset.id}",
        recipient=user.email,
        subject=subject,
        body=body,
        organization_id=user.organization_id,
    )
    assert message is not None  # a new link's key was never used  # noqa: S101
    return message


def request_reset(
    session: Session, *, email: str, settings: Settings, language: str, now: dt.datetime
) -> None:
    """The "forgot password" form: a link for an active account, within the hourly allowance;
    nothing otherwise, and the caller answers the same either way."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        return
    sent = session.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(
            PasswordReset.user_id == user.id,
            PasswordReset.by_admin.is_(False),
            PasswordReset.created_at > now - dt.timedelta(hours=1),
        )
    )
    if (sent or 0) >= settings.password_reset_max_per_hour:
        return
    send_reset_link(
        session, user=user, settings=settings, language=language, now=now, by_admin=False
    )


def _usable(token: str, now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        PasswordReset.token_hash == _digest(token),
        PasswordReset.ended_at.is_(None),
        PasswordReset.expires_at > now,
    )


def _link_unusable() -> NotFound:
    return NotFound(
        "reset_link_unusable",
        N_("this link has expired or was already used; ask for a new one"),
    )


def account_for_link(session: Session, *, token: str, now: dt.datetime) -> User:
    """The active account a usable link was sent to; 404 for an unknown, used or expired one."""
    user = session.scalar(
        select(User)
        .join(PasswordReset, PasswordReset.user_id == User.id)
        .where(_usable(token, now), User.active.is_(True))
    )
    if user is None:
        raise _link_unusable()
    return user


def reset_password(session: Session, *, token: str, password: str, now: dt.datetime) -> User:
    """Set a new password through a link, once: the link, every session and token end with it."""
    check_password_length(password)  # before the link is spent: a short password can be retyped
    # One statement spends the link: of two forms sent at once, one finds it unspent.
    user_id = session.execute(
        update(PasswordReset)
        .where(_usable(token, now))
        .values(ended_at=now)
        .returning(PasswordReset.user_id)
    ).scalar_one_or_none()
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active:
        raise _link_unusable()
    set_password(session, user=user, password=password, now=now)
    return user
