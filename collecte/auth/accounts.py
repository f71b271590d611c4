"""Managing accounts: the operator's search and changes (role, organisation, deactivation), and
each user's own password change. The same functions serve the API, the pages and the CLI."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session

from collecte.auth.models import LoginThrottle, PasswordReset, Role, User
from collecte.auth.passwords import hash_password
from collecte.auth.policy import Principal
from collecte.auth.schemas import UserUpdate
from collecte.auth.service import (
    authenticate,
    check_password_length,
    check_role_fits,
    get_user,
    visible_users,
)
from collecte.auth.tokens import end_tokens, end_web_sessions
from collecte.core.errors import Conflict, Forbidden
from collecte.core.listing import contains_text
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_


def require_account_manager(viewer: Principal) -> None:
    """Accounts are the operator's to create and change (others: 403)."""
    if viewer.role is not Role.ADMIN:
        raise Forbidden(
            "may_not_manage_accounts", N_("a %(role)s may not manage accounts"), role=viewer.role
        )


def filtered_users(
    viewer: User,
    *,
    q: str = "",
    role: Role | None = None,
    organization_id: int | None = None,
    active: bool | None = None,
) -> Select[User]:
    """The accounts a viewer may see, narrowed by a search on email or name and by filters."""
    query = visible_users(viewer)
    matching = contains_text(q, User.email, User.full_name)
    if matching is not None:
        query = query.where(matching)
    if role is not None:
        query = query.where(User.role == role)
    if organization_id is not None:
        query = query.where(User.organization_id == organization_id)
    if active is not None:
        query = query.where(User.active.is_(active))
    return query


def _keep_an_active_admin(session: Session, user: User) -> None:
    """Refuse (409) to leave the programme without an active admin: nobody could manage it."""
    # Every active admin row is locked, in one order, before counting: two admins demoting each
    # other at once are served one after the other, and the second sees the first one's change.
    admins = session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    if not [admin for admin in admins if admin != user.id]:
        raise Conflict(
            "last_admin",
            N_(
                "%(email)s is the last active admin: make another account admin before "
                "deactivating or changing this one"
            ),
            email=user.email,
        )


def update_user(session: Session, *, viewer: User, user_id: int, changes: UserUpdate) -> User:
    """Change an account; a deactivated one can no longer sign in and its sessions end."""
    user = get_user(session, viewer=viewer, user_id=user_id)
    given = changes.model_fields_set
    role = changes.role if "role" in given else user.role
    organization_id = (
        changes.organization_id if "organization_id" in given else user.organization_id
    )
    active = changes.active if "active" in given else user.active
    if role is not user.role or organization_id != user.organization_id:
        check_role_fits(session, role=role, organization_id=organization_id)
    if user.role is Role.ADMIN and user.active and (role is not Role.ADMIN or not active):
        _keep_an_active_admin(session, user)
    deactivated = user.active and not active
    user.role, user.organization_id, user.active = role, organization_id, active
    if "full_name" in given:
        user.full_name = changes.full_name.strip()
    if "integration_contract" in given:
        user.integration_contract = changes.integration_contract
    session.flush()  # the UPDATE below and the response read the changed row
    if deactivated:
        # Refused while inactive anyway; bumped so that a later reactivation does not bring back
        # the page sessions and bearer tokens issued before (tokens also name the role and
        # organisation, so a change of either refuses them: collecte.auth.deps.require_claims_hold).
        end_web_sessions(session, user_id=user.id)
        end_tokens(session, user_id=user.id)
        end_reset_links(session, user_id=user.id, now=utcnow())
    return user


def end_reset_links(session: Session, *, user_id: int, now: dt.datetime) -> None:
    """Links sent before no longer work (a newer link, a password change, a deactivation)."""
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.ended_at.is_(None))
        .values(ended_at=now)
    )


def set_password(session: Session, *, user: User, password: str, now: dt.datetime) -> None:
    """Store a new password: every bearer token and page session issued before ends with it (the
    caller signs the current page in again), and so do pending reset links and login failures."""
    check_password_length(password)
    user.password_hash = hash_password(password)
    session.flush()  # before the UPDATEs below, which write the same row
    end_web_sessions(session, user_id=user.id)
    end_reset_links(session, user_id=user.id, now=now)
    session.execute(delete(LoginThrottle).where(LoginThrottle.email == user.email))


def change_own_password(
    session: Session,
    *,
    user: User,
    current_password: str,
    new_password: str,
    now: dt.datetime,
    max_failures: int,
    window: dt.timedelta,
) -> bool:
    """Change one's own password after checking the current one; False when it is wrong.

    The check counts as a login attempt (the same throttle, 429 once used up): a session left open
    on a shared computer must not let anyone guess the password at full speed.
    """
    check_password_length(new_password)
    checked = authenticate(
        session,
        email=user.email,
        password=current_password,
        now=now,
        max_failures=max_failures,
        window=window,
    )
    if checked is None or checked.id != user.id:
        return False
    set_password(session, user=user, password=new_password, now=now)
    return True
