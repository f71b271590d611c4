"""The home page's organisation counts are the viewer's: a workshop counts the donors and partners
of the départements it serves, not the whole network's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.home.service import home_summary
from collecte.orgs.models import OrgKind
from tests.factories.accounts import make_organization, make_user


def test_a_coordinator_counts_only_the_organisations_it_may_see(db: Session) -> None:
    workshop = make_organization(db, kind=OrgKind.WORKSHOP, postcode="75011")  # serves 75
    coordinator = make_user(db, role=Role.COORDINATOR, organization=workshop)
    admin = make_user(db, role=Role.ADMIN)
    before = home_summary(db, viewer=coordinator).organizations_by_kind.get(OrgKind.DONOR, 0)
    network_before = home_summary(db, viewer=admin).organizations_by_kind.get(OrgKind.DONOR, 0)
    make_organization(db, kind=OrgKind.DONOR, postcode="75002")  # in its territory
    make_organization(db, kind=OrgKind.DONOR, postcode="69002")  # elsewhere
    after = home_summary(db, viewer=coordinator).organizations_by_kind.get(OrgKind.DONOR, 0)
    assert after == before + 1
    assert home_summary(db, viewer=admin).organizations_by_kind[OrgKind.DONOR] == (
        network_before + 2
    )
