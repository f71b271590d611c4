"""JSON API for organisations and sites."""

from __future__ import annotations

from fastapi import APIRouter

from collecte.auth.deps import AdminUser, CurrentUser
from collecte.core.db import SessionDep
from collecte.core.schemas import IdPath, IdQuery, Limit, Offset
from collecte.orgs import service
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.policy import visible_sites
from collecte.orgs.positions import LocatedSiteDep, place_site
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
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Organization]:
    """Organisations the caller may see, optionally of one kind."""
    return service.list_organizations(session, viewer=viewer, kind=kind, limit=limit, offset=offset)


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


@router.post("/sites", status_code=201, response_model=SiteOut)
def create_site(located: LocatedSiteDep, session: SessionDep, _admin: AdminUser) -> Site:
    """Add a site to a workshop organisation (admin only); its address is geocoded (else its
    commune's centre, ``position_source: "commune"``) unless coordinates are given."""
    site = service.create_site(session, **located.body.model_dump())
    return place_site(site, located.position)


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


@router.get("/sites/{site_id}", response_model=SiteOut)
def read_site(site_id: IdPath, session: SessionDep, viewer: CurrentUser) -> Site:
    """One site, if the caller may see it."""
    return service.get_site(session, viewer=viewer, site_id=site_id)
