"""Finding organisations and sites by what an operator types: a part of the name, legal name,
city, postcode or SIRET; always within what the viewer may see. The callers page the queries
(the operator's lists through ``collecte.core.listing``, the API by its limit and offset)."""

from __future__ import annotations

from sqlalchemy import Select, or_
from sqlalchemy.orm import selectinload

from collecte.auth.models import User
from collecte.core.listing import contains_text
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.policy import visible_organizations, visible_sites


def organizations_matching(
    viewer: User, *, text: str = "", kind: OrgKind | None = None
) -> Select[Organization]:
    """The organisations the viewer may see whose name, legal name, city, postcode or SIRET
    contains ``text``, of one kind if given, by name."""
    query = visible_organizations(viewer).options(selectinload(Organization.territories))
    if kind is not None:
        query = query.where(Organization.kind == kind)
    columns = [
        Organization.name,
        Organization.legal_name,
        Organization.city,
        Organization.postcode,
        Organization.siret,
    ]
    matching = contains_text(text, *columns)
    if matching is None:
        return query
    compact = text.replace(" ", "")
    if compact.isascii() and compact.isdigit():  # a SIRET typed in groups: "732 829 320"
        matching = or_(matching, Organization.siret.contains(compact, autoescape=True))
    return query.where(matching)


def sites_matching(
    viewer: User, *, text: str = "", organization_id: int | None = None
) -> Select[Site]:
    """The sites the viewer may see whose name, address, city or postcode contains ``text``, of
    one organisation if given, by name."""
    query = visible_sites(viewer)
    if organization_id is not None:
        query = query.where(Site.organization_id == organization_id)
    matching = contains_text(text, Site.name, Site.address, Site.city, Site.postcode)
    return query if matching is None else query.where(matching)
