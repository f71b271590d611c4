"""JSON API for tokens and user accounts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from collecte.auth import accounts, service
from collecte.auth.deps import AdminUser, CurrentUser, SettingsDep
from collecte.auth.models import Role, User
from collecte.auth.schemas import PasswordChange, TokenOut, UserCreate, UserOut, UserUpdate
from collecte.auth.tokens import issue_token
from collecte.core.db import SessionDep
from collecte.core.errors import Forbidden, NotAuthenticated
from collecte.core.handlers import error_response
from collecte.core.schemas import IdPath, IdQuery, Limit, Offset
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses={
        401: {"description": "wrong credentials"},
        429: {"description": "too many failures"},
    },
)
def issue_access_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenOut | JSONResponse:
    """Exchange an email and password for an expiring bearer token."""
    user = service.authenticate(
        session,
        email=form.username,
        password=form.password,
        now=utcnow(),
        max_failures=settings.login_max_failures,
        window=dt.timedelta(minutes=settings.login_window_minutes),
    )
    if user is None:
        # Returned rather than raised so the transaction commits the recorded failure.
        return error_response(NotAuthenticated("wrong_credentials", N_("wrong email or password")))
    return TokenOut(
        access_token=issue_token(settings.effective_secret_key, user),
        expires_in=settings.token_ttl_minutes * 60,
    )


@router.post("/users", status_code=201, response_model=UserOut)
def create_user(body: UserCreate, session: SessionDep, _admin: AdminUser) -> User:
    """Create an account (admin only); the role must fit the organisation's kind."""
    return service.create_user(session, **body.model_dump())


@router.get("/users/me", response_model=UserOut)
def read_me(viewer: CurrentUser) -> User:
    """The account the token belongs to."""
    return viewer


@router.post(
    "/users/me/password",
    response_model=TokenOut,
    responses={403: {"description": "wrong current password"}, 429: {"description": "too many"}},
)
def change_my_password(
    body: PasswordChange, session: SessionDep, settings: SettingsDep, viewer: CurrentUser
) -> TokenOut | JSONResponse:
    """Change one's own password: every token and page session issued before ends, this call's
    token included, so the answer carries a new token."""
    changed = accounts.change_own_password(
        session,
        user=viewer,
        current_password=body.current_password,
        new_password=body.new_password,
        now=utcnow(),
        max_failures=settings.login_max_failures,
        window=dt.timedelta(minutes=settings.login_window_minutes),
    )
    if not changed:
        # Returned rather than raised so the transaction commits the recorded failure.
        return error_response(
            Forbidden("wrong_current_password", N_("the current password is wrong"))
        )
    return TokenOut(
        access_token=issue_token(settings.effective_secret_key, viewer),
        expires_in=settings.token_ttl_minutes * 60,
    )


@router.get("/users", response_model=list[UserOut])
def list_users(
    session: SessionDep,
    viewer: CurrentUser,
    q: Annotated[str, Query(max_length=100, description="Part of the email or name.")] = "",
    role: Role | None = None,
    organization_id: IdQuery = None,
    active: Annotated[
        bool | None, Query(description="Active (true) or deactivated (false) only.")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[User]:
    """Accounts the caller may see: all for an admin, the own workshop for a coordinator, else
    self; by email, with a search on email or name and filters."""
    query = accounts.filtered_users(
        viewer, q=q, role=role, organization_id=organization_id, active=active
    )
    return list(session.scalars(query.limit(limit).offset(offset)))


@router.get("/users/{user_id}", response_model=UserOut)
def read_user(user_id: IdPath, session: SessionDep, viewer: CurrentUser) -> User:
    """One account, if the caller may see it."""
    return service.get_user(session, viewer=viewer, user_id=user_id)


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: IdPath, body: UserUpdate, session: SessionDep, admin: AdminUser) -> User:
    """Change an account (admin only): role, name, organisation, integration contract, or
    ``active: false`` to deactivate it; the last active admin stays one (409)."""
    return accounts.update_user(session, viewer=admin, user_id=user_id, changes=body)
