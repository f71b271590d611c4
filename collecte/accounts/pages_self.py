"""Pages every person has for their own account: "my account" (change one's password, which ends
the other sessions), and the "forgot password" form with the one-time link it sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from collecte.auth import resets
from collecte.auth.accounts import change_own_password
from collecte.auth.deps import (
    SESSION_FINGERPRINT_KEY,
    SESSION_USER_KEY,
    SESSION_VERSION_KEY,
    OptionalWebUser,
    SettingsDep,
    WebUser,
)
from collecte.auth.models import User
from collecte.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from collecte.auth.tokens import fingerprint
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError, TooManyAttempts
from collecte.core.forms import FormDep, form_texts, translate
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, request_language, require_csrf
from collecte.orgs.models import Organization

router = APIRouter(include_in_schema=False)

# Reset tokens are 43 URL-safe characters (secrets.token_urlsafe(32)): a longer one is cut.
TOKEN_MAX = 100


def new_password_errors(request: Request, values: dict[str, str]) -> dict[str, str]:
    """What is wrong with a new password and its confirmation, by field, in the visitor's language."""
    password = values["new_password"]
    if len(password) < MIN_PASSWORD_LENGTH:
        text = translate(request, N_("At least %(minimum)s characters."))
        return {"new_password": text % {"minimum": MIN_PASSWORD_LENGTH}}
    if len(password) > MAX_PASSWORD_LENGTH:
        text = translate(request, N_("At most %(maximum)s characters."))
        return {"new_password": text % {"maximum": MAX_PASSWORD_LENGTH}}
    if password != values["confirm_password"]:
        return {"confirm_password": translate(request, N_("The two new passwords differ."))}
    return {}


def _account_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    done: bool = False,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "auth/account.html",
        status_code=status_code,
        user=user,
        organization=(
            session.get(Organization, user.organization_id) if user.organization_id else None
        ),
        done=done,
        errors=errors or {},
        minimum=MIN_PASSWORD_LENGTH,
    )


def keep_signed_in(request: Request, user: User) -> None:
    """Sign this page session in again after a password change ended every other one."""
    request.session[SESSION_USER_KEY] = user.id
    request.session[SESSION_FINGERPRINT_KEY] = fingerprint(user)
    request.session[SESSION_VERSION_KEY] = user.session_version


@router.get("/account", response_class=HTMLResponse)
def account(
    request: Request,
    session: SessionDep,
    user: WebUser,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The signed-in person's account: who they are, and a form to change their password."""
    return _account_page(request, session, user, done=done == "password")


@router.post("/account/password", dependencies=[Depends(require_csrf)])
def change_password(
    request: Request, session: SessionDep, settings: SettingsDep, user: WebUser, form: FormDep
) -> Response:
    """Change one's password; the other sessions and every API token end, this one stays."""
    values = form_texts(form, ("current_password", "new_password", "confirm_password"))
    errors = new_password_errors(request, values)
    if errors:
        return _account_page(request, session, user, errors=errors, status_code=422)
    try:
        changed = change_own_password(
            session,
            user=user,
            current_password=values["current_password"][:MAX_PASSWORD_LENGTH],
            new_password=values["new_password"],
            now=utcnow(),
            max_failures=settings.login_max_failures,
            window=dt.timedelta(minutes=settings.login_window_minutes),
        )
    except TooManyAttempts as exc:
        response = _account_page(
            request,
            session,
            user,
            errors={"current_password": exc.message(request_language(request))},
            status_code=429,
        )
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    if not changed:
        # Rendered, not raised: the failed attempt is counted and committed like a login's.
        wrong = translate(request, N_("The current password is wrong."))
        return _account_page(
            request, session, user, errors={"current_password": wrong}, status_code=403
        )
    keep_signed_in(request, user)
    return redirect("/account?done=password")


# --- forgot password ---------------------------------------------------------------------------


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_form(request: Request, user: OptionalWebUser) -> Response:
    """Ask for a link to choose a new password."""
    return render(request, "auth/forgot.html", user=user, sent=False, email="")


@router.post("/password/forgot", dependencies=[Depends(require_csrf)])
def forgot(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalWebUser,
    form: FormDep,
) -> Response:
    """Queue a link when the address names an active account; the answer is the same for any
    address, so the form tells no one which addresses have an account."""
    email = form_texts(form, ("email",))["email"][:254]
    if email:
        resets.request_reset(
            session,
            email=email,
            settings=settings,
            language=request_language(request),
            now=utcnow(),
        )
    return render(request, "auth/forgot.html", user=user, sent=bool(email), email=email)


def _reset_page(
    request: Request,
    token: str,
    *,
    account: User | None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "auth/reset.html",
        status_code=status_code if account is not None else 404,
        token=token,
        account=account,
        errors=errors or {},
        minimum=MIN_PASSWORD_LENGTH,
    )


@router.get("/password/reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, session: SessionDep, token: str) -> Response:
    """The form a reset link opens, or why the link no longer works."""
    try:
        account = resets.account_for_link(session, token=token[:TOKEN_MAX], now=utcnow())
    except CollecteError:
        account = None
    return _reset_page(request, token, account=account)


@router.post("/password/reset/{token}", dependencies=[Depends(require_csrf)])
def reset(request: Request, session: SessionDep, token: str, form: FormDep) -> Response:
    """Set the new password; the link, every session and every token end with it."""
    values = form_texts(form, ("new_password", "confirm_password"))
    now = utcnow()
    try:
        account = resets.account_for_link(session, token=token[:TOKEN_MAX], now=now)
    except CollecteError:
        return _reset_page(request, token, account=None)
    errors = new_password_errors(request, values)
    if errors:
        return _reset_page(request, token, account=account, errors=errors, status_code=422)
    try:
        with session.begin_nested():
            resets.reset_password(
                session, token=token[:TOKEN_MAX], password=values["new_password"], now=now
            )
    except CollecteError:
        return _reset_page(request, token, account=None)
    request.session.clear()  # whoever was signed in here signs in again, with the new password
    return redirect("/login?reset=done")
