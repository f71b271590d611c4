"""Accounts: creation, login with a per-account throttle, look-ups scoped by role."""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import Select, case, delete, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collecte.auth.models import ROLE_ORG_KIND, LoginThrottle, Role, User
from collecte.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from collecte.core.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from collecte.core.types import UTCDateTime
from collecte.core.vocabulary import N_
from collecte.orgs.models import Organization


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_length(password: str) -> None:
    """A password has at least MIN_PASSWORD_LENGTH characters; 422 otherwise."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password_too_short",
            N_("password must have at least %(minimum)s characters"),
            minimum=MIN_PASSWORD_LENGTH,
        )


def check_role_fits(session: Session, *, role: Role, organization_id: int | None) -> None:
    """The one rule of who belongs where: a role belongs to an organisation of its kind
    (ROLE_ORG_KIND), an admin to none; 422 otherwise (on creation and on every change)."""
    expected_kind = ROLE_ORG_KIND[role]
    if organization_id is not None:
        organization = session.get(Organization, organization_id)
        if organization is None:
            raise InvalidInput(
                "unknown_organization",
                N_("organisation %(organization)s does not exist"),
                organization=organization_id,
            )
        if expected_kind is None and role is Role.ADMIN:
            raise InvalidInput(
                "admin_in_organization",
                N_("an admin belongs to the operator, not to an organisation"),
            )
        if expected_kind is not None and organization.kind is not expected_kind:
            raise InvalidInput(
                "role_organization_mismatch",
                N_("a %(role)s belongs to a %(expected)s organisation, not a %(kind)s"),
                role=role,
                expected=expected_kind,
                kind=organization.kind,
            )
    elif expected_kind is not None:
        raise InvalidInput(
            "role_needs_organization",
            N_("a %(role)s must belong to a %(expected)s organisation"),
            role=role,
            expected=expected_kind,
        )


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role,
    organization_id: int | None,
    full_name: str = "",
    integration_contract: bool = False,
) -> User:
    """Create an account after checking its role fits its organisation."""
    email = normalise_email(email)
    check_password_length(password)
    check_role_fits(session, role=role, organization_id=organization_id)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("email_taken", N_("an account already uses %(email)s"), email=email)
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        organization_id=organization_id,
        full_name=full_name,
        integration_contract=integration_contract,
    )
    session.add(user)
    # Flush to get the id and to surface a concurrent duplicate email as a Conflict here.
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("email_taken", N_("an account already uses %(email)s"), email=email) from exc
    return user


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    now: dt.datetime,
    max_failures: int,
    window: dt.timedelta,
) -> User | None:
    """The active user these credentials name, or None with the failure counted.

    Raises TooManyAttempts while the account has used up its failures for the window, without
    even checking the password, so guessing cannot go on at full speed.
    """
    email = normalise_email(email)
    if not _count_attempt(session, email=email, now=now, max_failures=max_failures, window=window):
        started = session.scalar(
            select(LoginThrottle.window_started_at).where(LoginThrottle.email == email)
        )
        retry = (started or now) + window - now
        raise TooManyAttempts(
            "too_many_logins",
            N_("too many failed logins for this account; try again later"),
            retry_after_seconds=max(1, math.ceil(retry.total_seconds())),
        )
    user = session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.active:
        session.execute(delete(LoginThrottle).where(LoginThrottle.email == email))
        return user
    return None


def _count_attempt(
    session: Session, *, email: str, now: dt.datetime, max_failures: int, window: dt.timedelta
) -> bool:
    """Count this attempt as a failure before the password is checked (a success resets the
    count); False, counting nothing, when the account has no failure left in its window.

    One statement, so concurrent attempts (in any worker) each count: the upsert locks the row
    until the transaction ends, and the next attempt reads the count this one left.
    """
    expired = LoginThrottle.window_started_at <= now - window
    started = literal(now, UTCDateTime())
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = (
        insert(LoginThrottle)
        .values(email=email, failures=1, window_started_at=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.email],
            set_={
                "failures": case((expired, 1), else_=LoginThrottle.failures + 1),
                "window_started_at": case(
                    (expired, started), else_=LoginThrottle.window_started_at
                ),
            },
            # An account out of attempts is left as it is: no row comes back.
            where=or_(expired, LoginThrottle.failures < max_failures),
        )
        .returning(LoginThrottle.failures)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def visible_users(viewer: User) -> Select[User]:
    """Users a viewer may list: all for an admin, the own organisation for a coordinator, else self."""
    query = select(User).order_by(User.email)
    if viewer.role is Role.ADMIN:
        return query
    if viewer.role is Role.COORDINATOR:
        return query.where(User.organization_id == viewer.organization_id)
    return query.where(User.id == viewer.id)


def get_user(session: Session, *, viewer: User, user_id: int) -> User:
    """One user the viewer may see; others do not exist as far as the viewer knows."""
    user = session.scalar(visible_users(viewer).where(User.id == user_id))
    if user is None:
        raise NotFound("not_found", N_("no user %(user)s"), user=user_id)
    return user


def count_users_by_role(session: Session, *, organization_id: int | None = None) -> dict[Role, int]:
    """How many active accounts each role has, optionally within one organisation."""
    query = select(User.role, func.count()).where(User.active).group_by(User.role)
    if organization_id is not None:
        query = query.where(User.organization_id == organization_id)
    return dict(session.execute(query).all())
