"""The operator's account pages: the list (search, filters, pages), creation, and one account's
page (edit, deactivate or reactivate, send a reset link). The forms call the services the API
calls (collecte.auth.service, accounts, resets)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from collecte.auth import resets
from collecte.auth.accounts import filtered_users, require_account_manager, update_user
from collecte.auth.deps import SettingsDep, WebUser
from collecte.auth.models import Role, User
from collecte.auth.schemas import UserCreate, UserUpdate
from collecte.auth.service import create_user, get_user
from collecte.core.db import SessionDep
from collecte.core.forms import (
    FormDep,
    ascii_int,
    attempt,
    form_texts,
    local_time,
    translate,
)
from collecte.core.listing import choice, page_of
from collecte.core.schemas import MAX_ID, IdPath
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, require_csrf
from collecte.orgs.models import Organization
from collecte.orgs.policy import visible_organizations

router = APIRouter(include_in_schema=False)

USER_FIELDS = ("email", "full_name", "role", "organization_id", "password", "integration_contract")
EDIT_FIELDS = ("full_name", "role", "organization_id", "integration_contract")
# What a page says after a form succeeded (?done=…).
DONE = {
    "created": N_("Account created."),
    "invited": N_("Account created. A link to choose a password is queued in the outbox."),
    "saved": N_("Changes saved."),
    "deactivated": N_("Account deactivated: it can no longer sign in, and its sessions ended."),
    "activated": N_("Account reactivated."),
    "reset": N_("A reset link is queued in the outbox; it works once, for a limited time."),
}
ACTIVE_FILTER = {"yes": True, "no": False}
# A service refusal shown beside the field it is about (others at the top of the form).
FIELD_OF_REFUSAL = {
    "role_organization_mismatch": "organization_id",
    "role_needs_organization": "organization_id",
    "admin_in_organization": "organization_id",
    "unknown_organization": "organization_id",
    "email_taken": "email",
    "password_too_short": "password",
}


def _organizations(session: Session, user: User) -> list[Organization]:
    return list(
        session.scalars(visible_organizations(user).order_by(None).order_by(Organization.name))
    )


def _form_body(values: dict[str, str]) -> dict[str, Any]:
    """The form's text fields as the API's body reads them."""
    body: dict[str, Any] = {
        "full_name": values["full_name"],
        "role": values["role"],
        "integration_contract": values["integration_contract"] == "yes",
        # An empty choice is "no organisation"; anything else a number the schema checks.
        "organization_id": values["organization_id"] or None,
    }
    return body


@router.get("/admin/users", response_class=HTMLResponse)
def user_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str, Query(max_length=100)] = "",
    role: Annotated[str, Query(max_length=20)] = "",
    organization_id: Annotated[str, Query(max_length=10)] = "",
    active: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=200_000)] = 1,
) -> Response:
    """Every account, by email, with a search on email or name, filters and pages of 50."""
    require_account_manager(user)
    query = filtered_users(
        user,
        q=q,
        role=choice(Role, role),
        organization_id=ascii_int(organization_id, low=1, high=MAX_ID),
        active=ACTIVE_FILTER.get(active),
    )
    params = {"q": q, "role": role, "organization_id": organization_id, "active": active}
    listing = page_of(session, query, number=page, path="/admin/users", params=params)

    organizations = _organizations(session, user)
    return render(
        request,
        "auth/users.html",
        user=user,
        listing=listing,
        params=params,
        filtered=any(params.values()),
        roles=list(Role),
        organizations=organizations,
        org_names={o.id: o.name for o in organizations},
        local_time=local_time,
    )


def _new_form(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "auth/user_new.html",
        status_code=status_code,
        user=user,
        values=values or {},
        errors=errors or {},
        error=error,
        roles=list(Role),
        organizations=_organizations(session, user),
    )


@router.get("/admin/users/new", response_class=HTMLResponse)
def new_user_form(
    request: Request, session: SessionDep, user: WebUser, organization_id: str = ""
) -> Response:
    """The form to create an account (an organisation may be chosen beforehand)."""
    require_account_manager(user)
    org = ascii_int(organization_id, low=1, high=MAX_ID)
    return _new_form(request, session, user, values={"organization_id": str(org or "")})


@router.post("/admin/users/new", dependencies=[Depends(require_csrf)])
def new_user(
    request: Request, session: SessionDep, settings: SettingsDep, user: WebUser, form: FormDep
) -> Response:
    """Create the account; without a password, the person is emailed a link to choose one."""
    require_account_manager(user)
    values = form_texts(form, USER_FIELDS)
    invite = not values["password"]
    created: list[User] = []

    def act() -> None:
        body = UserCreate.model_validate(
            {
                **_form_body(values),
                "email": values["email"],
                # Nobody knows this one: the person chooses a password through the link.
                "password": values["password"] or secrets.token_urlsafe(32),
            }
        )
        account = create_user(session, **body.model_dump())
        if invite:
            resets.send_reset_link(
                session,
                user=account,
                settings=settings,
                language=settings.default_language,
                now=utcnow(),
                by_admin=True,
            )
        created.append(account)

    refused = attempt(request, session, act, field_of=FIELD_OF_REFUSAL)
    if refused is not None:
        values["password"] = ""  # never sent back into the page
        return _new_form(
            request,
            session,
            user,
            values=values,
            errors=refused.errors,
            error=refused.error,
            status_code=refused.status_code,
        )
    return redirect(f"/admin/users/{created[0].id}?done={'invited' if invite else 'created'}")


def user_page(
    request: Request,
    session: Session,
    user: User,
    account: User,
    *,
    done: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """One account's page: what it is, the edit form, access and password actions."""
    shown = values or {
        "full_name": account.full_name,
        "role": account.role.value,
        "organization_id": str(account.organization_id or ""),
        "integration_contract": "yes" if account.integration_contract else "",
    }
    message = DONE.get(done)
    return render(
        request,
        "auth/user.html",
        status_code=status_code,
        user=user,
        account=account,
        organization=(
            session.get(Organization, account.organization_id) if account.organization_id else None
        ),
        values=shown,
        errors=errors or {},
        error=error,
        done=translate(request, message) if message else "",
        roles=list(Role),
        organizations=_organizations(session, user),
        local_time=local_time,
    )


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_detail(
    request: Request,
    session: SessionDep,
    user: WebUser,
    user_id: IdPath,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One account, to edit."""
    require_account_manager(user)
    account = get_user(session, viewer=user, user_id=user_id)
    return user_page(request, session, user, account, done=done)


def _act_on_account(
    request: Request,
    session: Session,
    user: User,
    account: User,
    *,
    done: str,
    action: Callable[[], object],
    values: dict[str, str] | None = None,
) -> Response:
    refused = attempt(request, session, action, field_of=FIELD_OF_REFUSAL)
    if refused is None:
        return redirect(f"/admin/users/{account.id}?done={done}")
    session.refresh(account)  # the page shows the account as stored, not as half-changed
    return user_page(
        request,
        session,
        user,
        account,
        values=values,
        errors=refused.errors,
        error=refused.error,
        status_code=refused.status_code,
    )


@router.post("/admin/users/{user_id}", dependencies=[Depends(require_csrf)])
def edit_user(
    request: Request, session: SessionDep, user: WebUser, user_id: IdPath, form: FormDep
) -> Response:
    """Save the name, role, organisation and integration contract (the API's PATCH)."""
    require_account_manager(user)
    account = get_user(session, viewer=user, user_id=user_id)
    values = form_texts(form, EDIT_FIELDS)

    def act() -> None:
        changes = UserUpdate.model_validate(_form_body(values))
        update_user(session, viewer=user, user_id=account.id, changes=changes)

    return _act_on_account(request, session, user, account, done="saved", action=act, values=values)


@router.post("/admin/users/{user_id}/active", dependencies=[Depends(require_csrf)])
def set_active(
    request: Request, session: SessionDep, user: WebUser, user_id: IdPath, form: FormDep
) -> Response:
    """Deactivate (``active=no``) or reactivate (``active=yes``) the account."""
    require_account_manager(user)
    account = get_user(session, viewer=user, user_id=user_id)
    active = form_texts(form, ("active",))["active"] == "yes"

    def act() -> None:
        changes = UserUpdate.model_validate({"active": active})
        update_user(session, viewer=user, user_id=account.id, changes=changes)

    done = "activated" if active else "deactivated"
    return _act_on_account(request, session, user, account, done=done, action=act)


@router.post("/admin/users/{user_id}/reset-link", dependencies=[Depends(require_csrf)])
def send_reset_link(
    request: Request, session: SessionDep, settings: SettingsDep, user: WebUser, user_id: IdPath
) -> Response:
    """Email the account a one-time link to choose a new password (through the outbox)."""
    require_account_manager(user)
    account = get_user(session, viewer=user, user_id=user_id)

    def act() -> None:
        resets.send_reset_link(
            session,
            user=account,
            settings=settings,
            language=settings.default_language,
            now=utcnow(),
            by_admin=True,
        )

    return _act_on_account(request, session, user, account, done="reset", action=act)
