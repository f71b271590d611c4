"""JSON API for organisations and sites."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from collecte.auth.deps import AdminUser, CurrentUser
from collecte.core.db import SessionDep
from collecte.core.errors import InvalidInput
from collecte.core.schemas import IdPath, IdQuery, Limit, Offset
from collecte.core.vocabulary import N_
from collecte.orgs import directory, logos, service
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.policy import visible_sites
from collecte.orgs.positions import LocatedSiteDep, LocatedSiteUpdateDep
from collecte.orgs.schemas import (
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
    SiteOut,
)

router = APIRouter(prefix="/api/v1", tags=["organisations"])


@router.post("/organizations", status_code=201, response_model=OrganizationOut)
def create_organization(
    body: OrganizationCreate, session: SessionDep, _admin: AdminUser
) -> Organization:
    """Register an organisation (admin only); the territory is derived from the postcode."""
    # dict(), not model_dump(): the served territories stay typed items, not plain dicts.
    return service.create_organization(session, **dict(body))


@router.get("/organizations", response_model=list[OrganizationOut])
def list_organizations(
    session: SessionDep,
    viewer: CurrentUser,
    kind: OrgKind | None = None,
    q: Annotated[
        str, Query(max_length=100, description="Part of the name, city, postcode or SIRET.")
    ] = "",
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Organization]:
    """Organisations the caller may see, optionally of one kind or matching a search."""
    query = directory.organizations_matching(viewer, text=q, kind=kind)
    return list(session.scalars(query.limit(limit).offset(offset)))


@router.get("/organizations/{organization_id}", response_model=OrganizationOut)
def read_organization(
    organization_id: IdPath, session: SessionDep, viewer: CurrentUser
) -> Organization:
    """One organisation, if the caller may see it."""
    return service.get_organization(session, viewer=viewer, organization_id=organization_id)


@router.patch("/organizations/{organization_id}", response_model=OrganizationOut)
def update_organization(
    organization_id: IdPath, body: OrganizationUpdate, session: SessionDep, admin: AdminUser
) -> Organization:
    """Change an organisation (admin only); ``territories_served`` replaces a workshop's list."""
    return service.update_organization(
        session, viewer=admin, organization_id=organization_id, changes=body
    )


@router.put("/organizations/{organization_id}/logo", response_model=OrganizationOut)
async def upload_logo(
    organization_id: IdPath,
    session: SessionDep,
    admin: AdminUser,
    file: Annotated[UploadFile, File(description="PNG or JPEG, at most 512 KB")],
) -> Organization:
    """Set an organisation's logo (admin only): a PNG or JPEG, checked by its content."""
    raw = await file.read(logos.MAX_LOGO_BYTES + 1)
    if not raw:
        raise InvalidInput("logo_not_an_image", N_("the logo must be a PNG or JPEG image"))
    return logos.set_logo(session, viewer=admin, organization_id=organization_id, raw=raw)


@router.delete("/organizations/{organization_id}/logo", response_model=OrganizationOut)
def delete_logo(organization_id: IdPath, session: SessionDep, admin: AdminUser) -> Organization:
    """Take an organisation's logo away (admin only)."""
    return logos.remove_logo(session, viewer=admin, organization_id=organization_id)


@router.get(
    "/organizations/{organization_id}/logo",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}},
)
def read_logo(organization_id: IdPath, session: SessionDep, viewer: CurrentUser) -> Response:
    """The logo of an organisation the caller may see (404 when it has none)."""
    raw, media_type = logos.read_logo(session, viewer=viewer, organization_id=organization_id)
    return logo_response(raw, media_type)


def logo_response(raw: bytes, media_type: str) -> Response:
    """A stored logo as served: its own type, never sniffed as anything else, not cached away."""
    return Response(
        raw,
        media_type=media_type,
        headers={"Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/sites", status_code=201, response_model=SiteOut)
def create_site(located: LocatedSiteDep, session: SessionDep, _admin: AdminUser) -> Site:
    """Add a site to a workshop organisation (admin only); its address is geocoded (else its
    commune's centre, ``position_source: "commune"``) unless coordinates are given."""
    return service.create_site(session, **located.body.model_dump(), found=located.position)


@router.get("/sites", response_model=list[SiteOut])
def list_sites(
    session: SessionDep,
    viewer: CurrentUser,
    organization_id: IdQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Site]:
    """Sites the caller may see, optionally of one organisation."""
    query = visible_sites(viewer)
    if organization_id is not None:
        query = query.where(Site.organization_id == organization_id)
    return list(session.scalars(query.limit(limit).offset(offset)))


@router.patch("/sites/{site_id}", response_model=SiteOut)
def update_site(
    site_id: IdPath, located: LocatedSiteUpdateDep, session: SessionDep, admin: AdminUser
) -> Site:
    """Change a site (admin only); latitude and longitude go together. A new address without
    coordinates is geocoded, as at creation."""
    return service.update_site(
        session, viewer=admin, site_id=site_id, changes=located.body, found=located.found
    )


@router.get("/sites/{site_id}", response_model=SiteOut)
def read_site(site_id: IdPath, session: SessionDep, viewer: CurrentUser) -> Site:
    """One site, if the caller may see it."""
    return service.get_site(session, viewer=viewer, site_id=site_id)
