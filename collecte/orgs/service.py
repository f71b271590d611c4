"""Organisations and sites: creation by the operator, reading scoped by role and organisation."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from collecte.auth.models import NETWORK_WIDE_ROLES, WORKSHOP_ROLES, Role, User
from collecte.core.errors import InvalidInput, NotFound
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.territory import UnknownPostcode, normalise_postcode, territory_for_postcode


def place_for_postcode(postcode: str) -> tuple[str, str]:
    """The normalised postcode and its territory; a postcode that names none is invalid input."""
    try:
        return normalise_postcode(postcode), territory_for_postcode(postcode)
    except UnknownPostcode as exc:
        raise InvalidInput(str(exc)) from exc


def create_organization(
    session: Session,
    *,
    name: str,
    kind: OrgKind,
    postcode: str,
    city: str,
    address: str = "",
    siret: str | None = None,
    legal_name: str | None = None,
) -> Organization:
    """Register a donor, partner or workshop; its territory comes from its postcode."""
    postcode, territory = place_for_postcode(postcode)
    organization = Organization(
        name=name.strip(),
        kind=kind,
        postcode=postcode,
        city=city.strip(),
        address=address.strip(),
        territory=territory,
        siret=siret,
        legal_name=legal_name.strip() or None if legal_name else None,
    )
    session.add(organization)
    session.flush()  # assigns the id the caller returns
    return organization


def create_site(
    session: Session,
    *,
    organization_id: int,
    name: str,
    postcode: str,
    city: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Site:
    """Add a site to a workshop organisation."""
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise InvalidInput(f"organisation {organization_id} does not exist")
    if organization.kind is not OrgKind.WORKSHOP:
        raise InvalidInput("only a workshop organisation has sites")
    if (latitude is None) != (longitude is None):
        raise InvalidInput("give both latitude and longitude, or neither")
    postcode, territory = place_for_postcode(postcode)
    site = Site(
        organization_id=organization_id,
        name=name.strip(),
        postcode=postcode,
        city=city.strip(),
        address=address.strip(),
        territory=territory,
        latitude=latitude,
        longitude=longitude,
    )
    session.add(site)
    session.flush()  # assigns the id the caller returns
    return site


def visible_organizations(viewer: User) -> Select[Organization]:
    """Organisations a viewer may read.

    The operator and auditors see the whole network; workshop staff see their workshop and the
    donors and partners they serve; a donor or partner sees only itself.
    """
    query = select(Organization).order_by(Organization.name, Organization.id)
    if viewer.role in NETWORK_WIDE_ROLES:
        return query
    if viewer.role in WORKSHOP_ROLES:
        return query.where(
            or_(
                Organization.id == viewer.organization_id,
                Organization.kind.in_([OrgKind.DONOR, OrgKind.PARTNER]),
            )
        )
    return query.where(Organization.id == viewer.organization_id)


def visible_sites(viewer: User) -> Select[Site]:
    """Sites a viewer may read: all for the operator and auditors, else the own organisation's."""
    query = select(Site).order_by(Site.name, Site.id)
    if viewer.role in NETWORK_WIDE_ROLES:
        return query
    return query.where(Site.organization_id == viewer.organization_id)


def get_organization(session: Session, *, viewer: User, organization_id: int) -> Organization:
    """One organisation the viewer may read; any other is reported as not existing."""
    organization = session.scalar(
        visible_organizations(viewer).where(Organization.id == organization_id)
    )
    if organization is None:
        raise NotFound(f"no organisation {organization_id}")
    return organization


def own_site(session: Session, *, viewer: User, site_id: int) -> Site:
    """A site of the viewer's own workshop (any site for the operator), else invalid input."""
    site = session.get(Site, site_id)
    if site is None or (
        viewer.role is not Role.ADMIN and site.organization_id != viewer.organization_id
    ):
        raise InvalidInput(f"site {site_id} is not one of your workshop's sites")
    return site


def get_site(session: Session, *, viewer: User, site_id: int) -> Site:
    """One site the viewer may read; any other is reported as not existing."""
    site = session.scalar(visible_sites(viewer).where(Site.id == site_id))
    if site is None:
        raise NotFound(f"no site {site_id}")
    return site


def count_organizations_by_kind(session: Session) -> dict[OrgKind, int]:
    """How many organisations of each kind the network has."""
    query = select(Organization.kind, func.count()).group_by(Organization.kind)
    return dict(session.execute(query).all())
