"""Whose impact a reader sees: the network for the operator and evaluators, a workshop's own for
its staff, a donor's own devices, a partner's own deliveries and hand-overs (its other counters
are then 0). A filter may narrow the scope, never widen it: naming an organisation or a site the
reader may not see is answered as if it did not exist."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.auth.policy import NETWORK_WIDE_ROLES, WORKSHOP_ROLES, Principal
from collecte.core.errors import NotFound
from collecte.core.vocabulary import N_
from collecte.impact.counters import BREAKDOWNS, Scope
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.policy import visible_organizations, visible_sites


def breakdowns_for(viewer: Principal) -> tuple[str, ...]:
    """The breakdowns a reader gets: by organisation and site for those who see them."""
    if viewer.role in NETWORK_WIDE_ROLES or viewer.role in WORKSHOP_ROLES:
        return BREAKDOWNS
    return ("month", "territory", "category")


def _sees(session: Session, viewer: Principal, organization_id: int, kind: OrgKind) -> bool:
    query = visible_organizations(viewer).where(
        Organization.id == organization_id, Organization.kind == kind
    )
    return session.scalar(query.with_only_columns(Organization.id)) is not None


def scope_for(session: Session, viewer: Principal, requested: Scope) -> Scope:
    """The scope a reader gets for the filters asked (404 for a filter it may not use)."""
    own = viewer.organization_id
    donor, partner, site = requested.donor_id, requested.partner_id, requested.site_id
    if donor is not None and not _sees(session, viewer, donor, OrgKind.DONOR):
        raise NotFound("impact_filter_not_found", N_("no donor %(id)s to filter by"), id=donor)
    if partner is not None and not _sees(session, viewer, partner, OrgKind.PARTNER):
        raise NotFound("impact_filter_not_found", N_("no partner %(id)s to filter by"), id=partner)
    if site is not None:
        query = visible_sites(viewer).where(Site.id == site)
        if session.scalar(query.with_only_columns(Site.id)) is None:
            raise NotFound("impact_filter_not_found", N_("no site %(id)s to filter by"), id=site)
    if viewer.role in NETWORK_WIDE_ROLES:
        return requested
    if viewer.role in WORKSHOP_ROLES:
        return replace(requested, workshop_id=own)
    if viewer.role is Role.DONOR:
        return replace(requested, donor_id=own)
    return replace(requested, partner_id=own)
