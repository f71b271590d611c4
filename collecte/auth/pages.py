"""Sign-in, sign-out and language pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from collecte.auth import service
from collecte.auth.deps import (
    SESSION_FINGERPRINT_KEY,
    SESSION_USER_KEY,
    SESSION_VERSION_KEY,
    OptionalWebUser,
    SettingsDep,
)
from collecte.auth.tokens import end_web_sessions, fingerprint
from collecte.config import LANGUAGES
from collecte.core.db import SessionDep
from collecte.core.errors import TooManyAttempts
from collecte.core.types import utcnow
from collecte.core.web import LANGUAGE_COOKIE, redirect, render, require_csrf, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, user: OptionalWebUser, next: str = "/", reset: str = ""
) -> Response:
    """The sign-in form (or straight on, when already signed in); ``reset=done`` after a new
    password was chosen through a reset link."""
    if user is not None:
        return redirect(safe_next(next))
    return render(
        request,
        "auth/login.html",
        next=safe_next(next),
        email="",
        error=None,
        password_reset=reset == "done",
    )


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the credentials, start a session and go where the visitor was heading."""
    try:
        user = service.authenticate(
            session,
            email=email,
            password=password,
            now=utcnow(),
            max_failures=settings.login_max_failures,
            window=dt.timedelta(minutes=settings.login_window_minutes),
        )
    except TooManyAttempts as exc:
        response = _login_again(request, email, next, "too_many", status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    if user is None:
        return _login_again(request, email, next, "wrong", status_code=401)
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    request.session[SESSION_FINGERPRINT_KEY] = fingerprint(user)
    request.session[SESSION_VERSION_KEY] = user.session_version
    return redirect(safe_next(next))


def _login_again(
    request: Request, email: str, next: str, error: str, *, status_code: int
) -> Response:
    return render(
        request,
        "auth/login.html",
        status_code=status_code,
        next=safe_next(next),
        email=email,
        error=error,
    )


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(request: Request, session: SessionDep, user: OptionalWebUser) -> RedirectResponse:
    """End the session, on the server too: every page session of the account ends with it."""
    if user is not None:
        end_web_sessions(session, user_id=user.id)
    request.session.clear()
    return redirect("/login")


@router.get("/language/{language}")
def choose_language(request: Request, language: str, next: str = "/") -> RedirectResponse:
    """Remember the visitor's language in a cookie and go back."""
    response = redirect(safe_next(next))
    if language in LANGUAGES:
        settings = request.app.state.settings
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=settings.cookies_secure,
        )
    return response
