"""The operator's site pages: every site of the network (search, pages), a workshop's new site,
and each site's edit form. Each form calls ``collecte.orgs.service`` through the API's schemas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from collecte.admin.orgs_forms import (
    FIELD_OF_CODE,
    read_site_form,
    require_operator,
    site_body,
    site_values,
)
from collecte.admin.orgs_pages import done_text
from collecte.auth.deps import WebUser
from collecte.auth.models import User
from collecte.core.db import SessionDep
from collecte.core.forms import FormDep, Refusal, attempt
from collecte.core.listing import page_of
from collecte.core.schemas import IdPath
from collecte.core.web import redirect, render, require_csrf
from collecte.orgs import directory, service
from collecte.orgs.models import Organization, Site
from collecte.orgs.positions import PostedSitePosition
from collecte.orgs.schemas import SiteCreate, SiteUpdate

router = APIRouter(include_in_schema=False)


@router.get("/admin/sites", response_class=HTMLResponse)
def site_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=200_000)] = 1,
) -> HTMLResponse:
    """The network's sites, by name, found by name, address, city or postcode."""
    require_operator(user)
    listing = page_of(
        session,
        directory.sites_matching(user, text=q),
        number=page,
        path="/admin/sites",
        params={"q": q},
    )
    owners = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({s.organization_id for s in listing.rows})
            )
        ).all()
    )

    return render(
        request,
        "admin/sites.html",
        user=user,
        listing=listing,
        owners=owners,
        q=q,
    )


def _site_page(
    request: Request,
    user: User,
    organization: Organization,
    values: dict[str, str],
    *,
    site: Site | None = None,
    refusal: Refusal | None = None,
    done: str = "",
) -> HTMLResponse:
    return render(
        request,
        "admin/site.html",
        status_code=refusal.status_code if refusal else 200,
        user=user,
        org=organization,
        site=site,
        values=values,
        errors=refusal.errors if refusal else {},
        error=refusal.error if refusal else None,
        done=done_text(request, done),
    )


@router.get("/admin/organizations/{organization_id}/sites/new", response_class=HTMLResponse)
def site_form(
    request: Request, session: SessionDep, user: WebUser, organization_id: IdPath
) -> HTMLResponse:
    """The form that adds a site to a workshop."""
    require_operator(user)
    organization = service.get_organization(session, viewer=user, organization_id=organization_id)
    return _site_page(request, user, organization, {})


@router.post(
    "/admin/organizations/{organization_id}/sites/new",
    response_class=HTMLResponse,
    dependencies=[Depends(require_csrf)],
)
def create_site(
    request: Request,
    found: PostedSitePosition,
    session: SessionDep,
    user: WebUser,
    organization_id: IdPath,
    form: FormDep,
) -> Response:
    """Add the site, placed at its address unless coordinates are typed (the geocoder is asked
    before the session opens); back to the workshop's page, where it is listed."""
    require_operator(user)
    organization = service.get_organization(session, viewer=user, organization_id=organization_id)
    values = read_site_form(form)

    def action() -> None:
        body = SiteCreate.model_validate({**site_body(values), "organization_id": organization.id})
        service.create_site(session, **body.model_dump(), found=found)

    refusal = attempt(request, session, action, field_of=FIELD_OF_CODE)
    if refusal is not None:
        return _site_page(request, user, organization, values, refusal=refusal)
    return redirect(f"/admin/organizations/{organization_id}?done=site_created#sites")


@router.get("/admin/sites/{site_id}", response_class=HTMLResponse)
def site_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    site_id: IdPath,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """One site's details to edit."""
    require_operator(user)
    site = service.get_site(session, viewer=user, site_id=site_id)
    organization = service.get_organization(
        session, viewer=user, organization_id=site.organization_id
    )
    return _site_page(request, user, organization, site_values(site), site=site, done=done)


@router.post(
    "/admin/sites/{site_id}", response_class=HTMLResponse, dependencies=[Depends(require_csrf)]
)
def update_site(
    request: Request,
    found: PostedSitePosition,
    session: SessionDep,
    user: WebUser,
    site_id: IdPath,
    form: FormDep,
) -> Response:
    """Save the site's name, address and position (coordinates left empty: where the geocoder,
    asked before the session opens, finds the address)."""
    require_operator(user)
    site = service.get_site(session, viewer=user, site_id=site_id)
    organization = service.get_organization(
        session, viewer=user, organization_id=site.organization_id
    )
    values = read_site_form(form)

    def action() -> None:
        changes = SiteUpdate.model_validate(site_body(values))
        service.update_site(session, viewer=user, site_id=site_id, changes=changes, found=found)

    refusal = attempt(request, session, action, field_of=FIELD_OF_CODE)
    if refusal is not None:
        session.refresh(site)
        return _site_page(request, user, organization, values, site=site, refusal=refusal)
    return redirect(f"/admin/sites/{site_id}?done=site_saved")
