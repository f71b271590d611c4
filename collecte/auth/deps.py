"""Who is asking: bearer tokens for the API, the session cookie for pages, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.tokens import TokenClaims, fingerprint, hash_fingerprint, read_token
from collecte.config import Settings
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError, Forbidden, NotAuthenticated
from collecte.core.vocabulary import N_

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_settings(request: Request) -> Settings:
    # async: nothing blocks here, and a sync dependency would cost a threadpool hop per request.
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


BearerToken = Annotated[str | None, Depends(oauth2_scheme)]
# How the OpenAPI schema names the scheme, for a route that reads the header itself.
BEARER_SECURITY: dict[str, Any] = {"security": [{"OAuth2PasswordBearer": []}]}


def bearer_token(request: Request) -> str | None:
    """The bearer token of the Authorization header, read as ``oauth2_scheme`` reads it."""
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    return token if scheme.lower() == "bearer" and token else None


def token_claims(settings: Settings, token: str | None) -> TokenClaims:
    """What a valid, unexpired bearer token states; 401 if none."""
    if not token:
        raise NotAuthenticated(
            "token_required", N_("a bearer token is required (POST /api/v1/auth/token)")
        )
    claims = read_token(
        settings.effective_secret_key, token, max_age_seconds=settings.token_ttl_minutes * 60
    )
    if claims is None:
        raise NotAuthenticated("token_invalid", N_("the token is invalid or has expired"))
    return claims


def require_claims_hold(
    claims: TokenClaims,
    *,
    active: bool,
    password_hash: str,
    token_version: int,
    role: Role,
    organization_id: int | None,
) -> None:
    """The account a token names must still be active, with the password, role and organisation
    the token was issued for (a password change, a deactivation or a new role revokes it); 401."""
    if (
        not active
        or hash_fingerprint(password_hash, token_version) != claims.fingerprint
        or role is not claims.principal.role
        or organization_id != claims.principal.organization_id
    ):
        raise NotAuthenticated(
            "token_account_inactive", N_("the token no longer names an active account")
        )


def token_user(user: User | None, claims: TokenClaims) -> User:
    """The user a token's id loaded, if the token still holds for it; 401 otherwise."""
    if user is None:
        raise NotAuthenticated(
            "token_account_inactive", N_("the token no longer names an active account")
        )
    require_claims_hold(
        claims,
        active=user.active,
        password_hash=user.password_hash,
        token_version=user.token_version,
        role=user.role,
        organization_id=user.organization_id,
    )
    return user


def user_for_token(session: Session, settings: Settings, token: str | None) -> User:
    """The active user a valid bearer token names; 401 for anything else."""
    claims = token_claims(settings, token)
    return token_user(session.get(User, claims.principal.id), claims)


def current_user(session: SessionDep, settings: SettingsDep, token: BearerToken) -> User:
    """The active user a valid bearer token names."""
    return user_for_token(session, settings, token)


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    """A dependency that lets only these roles through (403 for any other)."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden("role_not_allowed", N_("a %(role)s may not do this"), role=user.role)
        return user

    return check


AdminUser = Annotated[User, Depends(require_roles(Role.ADMIN))]


class LoginRequired(CollecteError):
    """A page needs a signed-in user; the HTML handler answers with a redirect to the login page."""

    status_code = 401
    kind = "login_required"


SESSION_USER_KEY = "uid"
SESSION_FINGERPRINT_KEY = "fp"
SESSION_VERSION_KEY = "sv"


def optional_web_user(request: Request, session: SessionDep) -> User | None:
    """The user signed in through the session cookie, if any, and if the session still holds: the
    account is active, with the password (fingerprint) and the session version it signed in with
    (signing out bumps the version, so a copy of the cookie taken before is refused)."""
    uid = request.session.get(SESSION_USER_KEY)
    if not isinstance(uid, int):
        return None
    user = session.get(User, uid)
    if (
        user is None
        or not user.active
        or request.session.get(SESSION_FINGERPRINT_KEY) != fingerprint(user)
        or request.session.get(SESSION_VERSION_KEY) != user.session_version
    ):
        request.session.clear()
        return None
    return user


def web_user(user: Annotated[User | None, Depends(optional_web_user)]) -> User:
    """The signed-in user; pages without one redirect to the login form."""
    if user is None:
        raise LoginRequired("login_required", N_("please sign in"))
    return user


WebUser = Annotated[User, Depends(web_user)]
OptionalWebUser = Annotated[User | None, Depends(optional_web_user)]
