"""User accounts and the per-account login throttle."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collecte.core.db import Base
from collecte.core.enums import enum_column
from collecte.core.types import UTCDateTime, utcnow
from collecte.orgs.models import Organization, OrgKind


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TECHNICIAN = "technician"
    DONOR = "donor"
    PARTNER = "partner"
    AUDITOR = "auditor"


# Which kind of organisation each role must belong to (None: no organisation required).
ROLE_ORG_KIND: dict[Role, OrgKind | None] = {
    Role.ADMIN: None,
    Role.COORDINATOR: OrgKind.WORKSHOP,
    Role.TECHNICIAN: OrgKind.WORKSHOP,
    Role.DONOR: OrgKind.DONOR,
    Role.PARTNER: OrgKind.PARTNER,
    Role.AUDITOR: None,
}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    # Counted as integration work hours in impact when the person is on an integration contract.
    integration_contract: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Stored in the session cookie at sign-in and checked on every page request: signing out
    # bumps it, so a copy of the cookie taken before stops working (server-side revocation).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # In the bearer tokens' fingerprint: a deactivation bumps it, so the tokens issued before stay
    # refused after a reactivation (signing out of the pages does not touch it).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # Loaded when a page asks for it: the token check on every API call does not need it.
    organization: Mapped[Organization | None] = relationship(lazy="select")


class LoginThrottle(Base):
    """Failed logins per email (known or not, so the throttle reveals nothing)."""

    __tablename__ = "login_throttles"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PasswordReset(Base):
    """A one-time link to set a new password: only the token's SHA-256 is kept, so a copy of the
    table opens no account; a link works once, until it expires or a newer one is issued."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Set when the link was used, or ended by a newer link or a password change: it no longer works.
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Whether the account holder asked for it (the "forgot password" form, which is throttled) or
    # the operator sent it from the account's page.
    by_admin: Mapped[bool] = mapped_column(Boolean, default=False)
