"""What each role's home page shows, read from the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.service import count_users_by_role
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.policy import visible_organizations, visible_sites
from collecte.orgs.service import count_organizations_by_kind


@dataclass(frozen=True)
class HomeSummary:
    organization: Organization | None
    sites: list[Site]
    organizations_by_kind: dict[OrgKind, int] = field(default_factory=dict)
    users_by_role: dict[Role, int] = field(default_factory=dict)
    recent_organizations: list[Organization] = field(default_factory=list)


def home_summary(session: Session, *, viewer: User) -> HomeSummary:
    """The figures and lists the viewer's home page shows, within what the viewer may see."""
    sites = list(session.scalars(visible_sites(viewer).limit(50)))
    if viewer.role in (Role.ADMIN, Role.AUDITOR):
        return HomeSummary(
            organization=None,
            sites=sites,
            organizations_by_kind=count_organizations_by_kind(session, viewer=viewer),
            users_by_role=count_users_by_role(session) if viewer.role is Role.ADMIN else {},
            recent_organizations=list(
                session.scalars(
                    visible_organizations(viewer)
                    .order_by(None)
                    .order_by(Organization.created_at.desc())
                    .limit(10)
                )
            ),
        )
    organization = viewer.organization
    if viewer.role is Role.COORDINATOR:
        partners_and_donors: dict[OrgKind, int] = {
            kind: count
            for kind, count in count_organizations_by_kind(session, viewer=viewer).items()
            if kind is not OrgKind.WORKSHOP
        }
        return HomeSummary(
            organization=organization,
            sites=sites,
            organizations_by_kind=partners_and_donors,
            users_by_role=count_users_by_role(session, organization_id=viewer.organization_id),
        )
    return HomeSummary(organization=organization, sites=sites)
