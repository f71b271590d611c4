"""JSON API for tokens and user accounts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from collecte.auth import service
from collecte.auth.deps import AdminUser, CurrentUser, SettingsDep
from collecte.auth.models import User
from collecte.auth.schemas import TokenOut, UserCreate, UserOut
from collecte.auth.tokens import issue_token
from collecte.core.db import SessionDep
from collecte.core.errors import NotAuthenticated
from collecte.core.handlers import error_response
from collecte.core.schemas import IdPath, Limit, Offset
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


@router.get("/users", response_model=list[UserOut])
def list_users(
    session: SessionDep,
    viewer: CurrentUser,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[User]:
    """Accounts the caller may see: all for an admin, the own workshop for a coordinator, else self."""
    return list(session.scalars(service.visible_users(viewer).limit(limit).offset(offset)))


@router.get("/users/{user_id}", response_model=UserOut)
def read_user(user_id: IdPath, session: SessionDep, viewer: CurrentUser) -> User:
    """One account, if the caller may see it."""
    return service.get_user(session, viewer=viewer, user_id=user_id)
