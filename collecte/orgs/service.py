"""Organisations and sites: creation by the operator, reading scoped by role and organisation."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from collecte.auth.models import Role, User
from collecte.core.errors import Conflict, InvalidInput, NotFound
from collecte.core.vocabulary import N_
from collecte.geo.position import Position, given_position, place
from collecte.orgs.models import Organization, OrgKind, Site, WorkshopTerritory
from collecte.orgs.policy import visible_organizations, visible_sites
from collecte.orgs.schemas import OrganizationUpdate, ServedTerritory, SiteUpdate
from collecte.orgs.territory import (
    UnknownPostcode,
    UnknownTerritory,
    normalise_postcode,
    normalise_territory,
    territory_for_postcode,
)


def place_for_postcode(postcode: str) -> tuple[str, str]:
    """The normalised postcode and its territory; a postcode that names none is invalid input."""
    try:
        return normalise_postcode(postcode), territory_for_postcode(postcode)
    except UnknownPostcode as exc:
        raise InvalidInput.because(exc.reason) from exc


def served_priorities(items: Sequence[str | ServedTerritory]) -> dict[str, int]:
    """Each département of a served list with its priority (a bare code is priority 1).

    A code that names no département, or one listed twice, is invalid input.
    """
    priorities: dict[str, int] = {}
    for item in items:
        raw, priority = (item, 1) if isinstance(item, str) else (item.territory, item.priority)
        try:
            code = normalise_territory(raw)
        except UnknownTerritory as exc:
            raise InvalidInput.because(exc.reason) from exc
        if code in priorities:
            raise InvalidInput(
                "territory_listed_twice",
                N_("département %(territory)s is listed twice in territories_served"),
                territory=code,
            )
        priorities[code] = priority
    return priorities


def _serve(organization: Organization, items: Sequence[str | ServedTerritory] | None) -> None:
    """Replace what a workshop serves; none given: its own département, as first choice.

    Rows kept are updated in place: the unit of work inserts before it deletes, so dropping
    and re-adding a département in one flush would trip the unique constraint.
    """
    if organization.kind is not OrgKind.WORKSHOP:
        if items:
            raise InvalidInput(
                "territories_for_workshops_only",
                N_("only a workshop organisation serves territories"),
            )
        return
    priorities = served_priorities(items or []) or {organization.territory: 1}
    kept = [t for t in organization.territories if t.territory in priorities]
    for row in kept:
        row.priority = priorities.pop(row.territory)
    organization.territories = kept + [
        WorkshopTerritory(territory=code, priority=priority)
        for code, priority in priorities.items()
    ]


def create_organization(
    session: Session,
    *,
    name: str,
    kind: OrgKind,
    postcode: str,
    city: str,
    address: str = "",
    siret: str | None = None,
    territories_served: Sequence[str | ServedTerritory] | None = None,
    legal_name: str | None = None,
    impact_public: bool = False,
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
        territories=[],
        legal_name=legal_name.strip() or None if legal_name else None,
        impact_public=impact_public,
    )
    _serve(organization, territories_served)
    session.add(organization)
    session.flush()  # assigns the id the caller returns
    return organization


def update_organization(
    session: Session, *, viewer: User, organization_id: int, changes: OrganizationUpdate
) -> Organization:
    """Change an organisation's details; ``territories_served`` replaces the workshop's list."""
    organization = get_organization(session, viewer=viewer, organization_id=organization_id)
    given = changes.model_fields_set
    if "postcode" in given:
        organization.postcode, organization.territory = place_for_postcode(changes.postcode)
    for field in ("name", "city", "address"):
        if field in given:
            setattr(organization, field, getattr(changes, field).strip())
    if "siret" in given:
        organization.siret = changes.siret
    if "legal_name" in given:
        organization.legal_name = changes.legal_name or None
    if "impact_public" in given:
        organization.impact_public = changes.impact_public
    if "territories_served" in given:
        _serve(organization, changes.territories_served)
    session.flush()  # the response reads the rows as stored (territory order, new ids)
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
    found: Position | None = None,
) -> Site:
    """Add a site to a workshop organisation, at the coordinates given, else where the geocoder
    ``found`` its address (asked by the caller before the transaction), else nowhere."""
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise InvalidInput(
            "unknown_organization",
            N_("organisation %(organization)s does not exist"),
            organization=organization_id,
        )
    if organization.kind is not OrgKind.WORKSHOP:
        raise Conflict("sites_for_workshops_only", N_("only a workshop organisation has sites"))
    given = given_position(latitude, longitude)  # both coordinates or neither
    postcode, territory = place_for_postcode(postcode)
    site = Site(
        organization_id=organization_id,
        name=name.strip(),
        postcode=postcode,
        city=city.strip(),
        address=address.strip(),
        territory=territory,
    )
    place(site, given or found)
    session.add(site)
    session.flush()  # assigns the id the caller returns
    return site


def update_site(
    session: Session,
    *,
    viewer: User,
    site_id: int,
    changes: SiteUpdate,
    found: Position | None = None,
) -> Site:
    """Change a site's name, address or position; it ends with both coordinates or neither.

    Coordinates changed are the position (manual); cleared, or kept while the address changes,
    the site goes where the geocoder ``found`` its new address, when the caller asked it."""
    site = get_site(session, viewer=viewer, site_id=site_id)
    given = changes.model_fields_set
    latitude = changes.latitude if "latitude" in given else site.latitude
    longitude = changes.longitude if "longitude" in given else site.longitude
    position = given_position(latitude, longitude)  # both coordinates or neither
    where = (site.address, site.postcode)
    if "postcode" in given:
        site.postcode, site.territory = place_for_postcode(changes.postcode)
    for field in ("name", "city", "address"):
        if field in given:
            setattr(site, field, getattr(changes, field).strip())
    if (latitude, longitude) != (site.latitude, site.longitude):
        place(site, position or found)  # coordinates someone gave, or cleared: the address's
    elif found is not None and (site.address, site.postcode) != where:
        place(site, found)  # the address moved, the coordinates were left as they were
    session.flush()  # the response reads the row as stored
    return site


def serving_workshops(session: Session, territory: str) -> list[Organization]:
    """The workshops that serve a département, first choice first (then by name)."""
    try:
        code = normalise_territory(territory)
    except UnknownTerritory as exc:
        raise InvalidInput.because(exc.reason) from exc
    query = (
        select(Organization)
        .join(WorkshopTerritory, WorkshopTerritory.organization_id == Organization.id)
        .options(selectinload(Organization.territories))
        .where(WorkshopTerritory.territory == code, Organization.kind == OrgKind.WORKSHOP)
        .order_by(WorkshopTerritory.priority, Organization.name, Organization.id)
    )
    return list(session.scalars(query))


def get_organization(session: Session, *, viewer: User, organization_id: int) -> Organization:
    """One organisation the viewer may read; any other is reported as not existing."""
    organization = session.scalar(
        visible_organizations(viewer)
        .options(selectinload(Organization.territories))
        .where(Organization.id == organization_id)
    )
    if organization is None:
        raise NotFound(
            "not_found", N_("no organisation %(organization)s"), organization=organization_id
        )
    return organization


def own_site(session: Session, *, viewer: User, site_id: int) -> Site:
    """A site of the viewer's own workshop (any site for the operator), else invalid input."""
    site = session.get(Site, site_id)
    if site is None or (
        viewer.role is not Role.ADMIN and site.organization_id != viewer.organization_id
    ):
        raise InvalidInput(
            "not_own_site",
            N_("site %(site)s is not one of your workshop's sites"),
            site=site_id,
        )
    return site


def get_site(session: Session, *, viewer: User, site_id: int) -> Site:
    """One site the viewer may read; any other is reported as not existing."""
    site = session.scalar(visible_sites(viewer).where(Site.id == site_id))
    if site is None:
        raise NotFound("not_found", N_("no site %(site)s"), site=site_id)
    return site


def count_organizations_by_kind(session: Session, *, viewer: User) -> dict[OrgKind, int]:
    """How many organisations of each kind the viewer may see."""
    visible = visible_organizations(viewer).order_by(None).subquery()
    query = select(visible.c.kind, func.count()).group_by(visible.c.kind)
    return dict(session.execute(query).all())
