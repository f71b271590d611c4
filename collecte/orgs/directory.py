"""Finding organisations and sites by what an operator types: a part of the name, legal name,
city, postcode or SIRET; always within what the viewer may see, counted for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from collecte.auth.models import User
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.policy import visible_organizations, visible_sites

Row = TypeVar("Row")


@dataclass(frozen=True)
class Found(Generic[Row]):
    """One page of what matched, and how many matched in all."""

    total: int
    rows: list[Row]


def _organization_matches(text: str) -> ColumnElement[bool]:
    words = text.strip()
    conditions = [
        column.icontains(words, autoescape=True)
        for column in (
            Organization.name,
            Organization.legal_name,
            Organization.city,
            Organization.postcode,
            Organization.siret,
        )
    ]
    compact = words.replace(" ", "")
    if compact.isascii() and compact.isdigit():  # a SIRET typed in groups: "732 829 320"
        conditions.append(Organization.siret.contains(compact, autoescape=True))
    return or_(*conditions)


def _page(session: Session, query: Select[Row], limit: int, offset: int) -> tuple[int, list[Row]]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return total, list(session.scalars(query.limit(limit).offset(offset)))


def search_organizations(
    session: Session,
    *,
    viewer: User,
    text: str = "",
    kind: OrgKind | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Found[Organization]:
    """The organisations the viewer may see whose name, legal name, city, postcode or SIRET
    contains ``text``, of one kind if given, by name."""
    query = visible_organizations(viewer).options(selectinload(Organization.territories))
    if kind is not None:
        query = query.where(Organization.kind == kind)
    if text.strip():
        query = query.where(_organization_matches(text))
    total, rows = _page(session, query, limit, offset)
    return Found(total, rows)


def search_sites(
    session: Session,
    *,
    viewer: User,
    text: str = "",
    organization_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Found[Site]:
    """The sites the viewer may see whose name, address, city or postcode contains ``text``, of
    one organisation if given, by name."""
    query = visible_sites(viewer)
    if organization_id is not None:
        query = query.where(Site.organization_id == organization_id)
    if text.strip():
        words = text.strip()
        query = query.where(
            or_(
                *(
                    column.icontains(words, autoescape=True)
                    for column in (Site.name, Site.address, Site.city, Site.postcode)
                )
            )
        )
    total, rows = _page(session, query, limit, offset)
    return Found(total, rows)
