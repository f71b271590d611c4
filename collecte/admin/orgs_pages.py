"""The operator's organisation pages: the list (search, kind, pages), the creation form, and each
organisation's page with its edit form, its logo and, for a workshop, its sites.

Every form calls the service the JSON API calls (``collecte.orgs.service``, ``collecte.orgs.logos``)
through the API's own schemas, inside a savepoint, and redirects (303) on success.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from collecte.admin.orgs_forms import (
    FIELD_OF_CODE,
    org_body,
    org_values,
    read_org_form,
    require_operator,
)
from collecte.auth.deps import WebUser
from collecte.auth.models import User
from collecte.core.db import SessionDep
from collecte.core.errors import InvalidInput
from collecte.core.forms import FormDep, Refusal, attempt, form_upload, local_date, translate
from collecte.core.listing import choice, page_of
from collecte.core.schemas import IdPath
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, require_csrf
from collecte.orgs import directory, logos, service
from collecte.orgs.models import Organization, OrgKind
from collecte.orgs.router import logo_response
from collecte.orgs.schemas import OrganizationCreate, OrganizationUpdate

router = APIRouter(include_in_schema=False)

DONE = {
    "created": N_("The organisation is created."),
    "saved": N_("The changes are saved."),
    "logo": N_("The logo is saved."),
    "logo_removed": N_("The logo is removed."),
    "site_created": N_("The site is added."),
    "site_saved": N_("The site is saved."),
}


def done_text(request: Request, done: str) -> str | None:
    return translate(request, DONE[done]) if done in DONE else None


@router.get("/admin/organizations", response_class=HTMLResponse)
def organization_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str, Query(max_length=100)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=200_000)] = 1,
) -> HTMLResponse:
    """The network's organisations, by name, found by name, city, postcode or SIRET."""
    require_operator(user)
    chosen = choice(OrgKind, kind)
    params = {"q": q, "kind": chosen.value if chosen else ""}
    listing = page_of(
        session,
        directory.organizations_matching(user, text=q, kind=chosen),
        number=page,
        path="/admin/organizations",
        params=params,
    )

    return render(
        request,
        "admin/organizations.html",
        user=user,
        listing=listing,
        params=params,
        filtered=any(params.values()),
        kinds=list(OrgKind),
    )


def _new_page(
    request: Request,
    user: User,
    values: dict[str, str],
    refusal: Refusal | None = None,
) -> HTMLResponse:
    return render(
        request,
        "admin/organization_new.html",
        status_code=refusal.status_code if refusal else 200,
        user=user,
        values=values,
        errors=refusal.errors if refusal else {},
        error=refusal.error if refusal else None,
        kinds=list(OrgKind),
    )


@router.get("/admin/organizations/new", response_class=HTMLResponse)
def organization_form(
    request: Request, user: WebUser, kind: Annotated[str, Query(max_length=20)] = ""
) -> HTMLResponse:
    """The form that registers a donor, partner or workshop."""
    require_operator(user)
    chosen = choice(OrgKind, kind)
    return _new_page(request, user, {"kind": chosen.value if chosen else ""})


@router.post(
    "/admin/organizations/new", response_class=HTMLResponse, dependencies=[Depends(require_csrf)]
)
def create_organization(
    request: Request, session: SessionDep, user: WebUser, form: FormDep
) -> Response:
    """Register the organisation; its page comes next (to add a logo or sites)."""
    require_operator(user)
    values = read_org_form(form)
    created: list[Organization] = []

    def action() -> None:
        body = OrganizationCreate.model_validate(org_body(values, creating=True))
        created.append(service.create_organization(session, **dict(body)))

    refusal = attempt(request, session, action, field_of=FIELD_OF_CODE)
    if refusal is not None:
        return _new_page(request, user, values, refusal)
    return redirect(f"/admin/organizations/{created[0].id}?done=created")


def _org_page(
    request: Request,
    session: Session,
    user: User,
    organization: Organization,
    *,
    values: dict[str, str] | None = None,
    refusal: Refusal | None = None,
    logo_error: str | None = None,
    done: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "admin/organization.html",
        status_code=refusal.status_code if refusal else status_code,
        user=user,
        org=organization,
        values=values or org_values(organization),
        errors=refusal.errors if refusal else {},
        error=refusal.error if refusal else None,
        logo_error=logo_error,
        sites=list(session.scalars(directory.sites_matching(user, organization_id=organization.id)))
        if organization.kind is OrgKind.WORKSHOP
        else [],
        done=done_text(request, done),
        max_logo_kb=logos.MAX_LOGO_BYTES // 1024,
        local_date=local_date,
    )


def _reloaded(session: Session, user: User, organization_id: int) -> Organization:
    """The organisation as stored, after a refused form's savepoint was rolled back."""
    session.expire_all()
    return service.get_organization(session, viewer=user, organization_id=organization_id)


@router.get("/admin/organizations/{organization_id}", response_class=HTMLResponse)
def organization_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    organization_id: IdPath,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """One organisation: its details to edit, its logo and, for a workshop, its sites."""
    require_operator(user)
    organization = service.get_organization(session, viewer=user, organization_id=organization_id)
    return _org_page(request, session, user, organization, done=done)


@router.post(
    "/admin/organizations/{organization_id}",
    response_class=HTMLResponse,
    dependencies=[Depends(require_csrf)],
)
def update_organization(
    request: Request, session: SessionDep, user: WebUser, organization_id: IdPath, form: FormDep
) -> Response:
    """Save the organisation's details (its kind stays)."""
    require_operator(user)
    organization = service.get_organization(session, viewer=user, organization_id=organization_id)
    values = {**read_org_form(form), "kind": organization.kind.value}

    def action() -> None:
        changes = OrganizationUpdate.model_validate(org_body(values, creating=False))
        service.update_organization(
            session, viewer=user, organization_id=organization_id, changes=changes
        )

    refusal = attempt(request, session, action, field_of=FIELD_OF_CODE)
    if refusal is not None:
        organization = _reloaded(session, user, organization_id)
        return _org_page(request, session, user, organization, values=values, refusal=refusal)
    return redirect(f"/admin/organizations/{organization_id}?done=saved")


@router.post(
    "/admin/organizations/{organization_id}/logo",
    response_class=HTMLResponse,
    dependencies=[Depends(require_csrf)],
)
def upload_logo(
    request: Request, session: SessionDep, user: WebUser, organization_id: IdPath, form: FormDep
) -> Response:
    """Store the chosen PNG or JPEG as the organisation's logo."""
    require_operator(user)
    organization = service.get_organization(session, viewer=user, organization_id=organization_id)
    upload = form_upload(form, "logo")
    raw = upload.file.read(logos.MAX_LOGO_BYTES + 1) if upload else b""

    def action() -> None:
        if not raw:
            raise InvalidInput("logo_not_an_image", N_("the logo must be a PNG or JPEG image"))
        logos.set_logo(session, viewer=user, organization_id=organization_id, raw=raw)

    refusal = attempt(request, session, action, field_of=FIELD_OF_CODE)
    if refusal is not None:
        organization = _reloaded(session, user, organization_id)
        return _org_page(
            request,
            session,
            user,
            organization,
            logo_error=refusal.error,
            status_code=refusal.status_code,
        )
    return redirect(f"/admin/organizations/{organization_id}?done=logo")


@router.post(
    "/admin/organizations/{organization_id}/logo/remove", dependencies=[Depends(require_csrf)]
)
def remove_logo(session: SessionDep, user: WebUser, organization_id: IdPath) -> Response:
    """Take the organisation's logo away."""
    require_operator(user)
    logos.remove_logo(session, viewer=user, organization_id=organization_id)
    return redirect(f"/admin/organizations/{organization_id}?done=logo_removed")


@router.get("/admin/organizations/{organization_id}/logo")
def organization_logo(session: SessionDep, user: WebUser, organization_id: IdPath) -> Response:
    """The organisation's logo, as stored."""
    require_operator(user)
    raw, media_type = logos.read_logo(session, viewer=user, organization_id=organization_id)
    return logo_response(raw, media_type)
