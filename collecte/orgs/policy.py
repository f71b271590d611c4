"""Who may see which organisations and sites: the network for the operator and evaluators, a
workshop's territories for its staff, itself for a donor or a partner."""

from __future__ import annotations

from sqlalchemy import Select, and_, or_, select

from collecte.auth.policy import NETWORK_WIDE_ROLES, WORKSHOP_ROLES, Principal
from collecte.devices.models import Device
from collecte.orgs.models import Organization, OrgKind, Site, served_territories
from collecte.pickups.models import Pickup
from collecte.pickups.policy import visible_pickups


def visible_organizations(viewer: Principal) -> Select[Organization]:
    """Organisations a viewer may read.

    The operator and auditors see the whole network; a donor or partner sees only itself.
    Workshop staff see their workshop; the donors and partners located in a département it
    serves; and, from elsewhere, the donors of the pickups they may read and of the devices their
    workshop holds. Never another workshop.
    """
    query = select(Organization).order_by(Organization.name, Organization.id)
    if viewer.role in NETWORK_WIDE_ROLES:
        return query
    if viewer.role in WORKSHOP_ROLES:
        # EXISTS, one probe per organisation (``ix_devices_organization_id_donor_id``): an IN
        # list under this OR was read whole for each organisation (a workshop holding 320,379
        # devices: 2.7 s of its coordinator's home page went to this count).
        pickup_donors = visible_pickups(viewer).where(Pickup.donor_id == Organization.id).exists()
        device_donors = (
            select(Device.id)
            .where(
                Device.organization_id == viewer.organization_id,
                Device.donor_id == Organization.id,
            )
            .exists()
        )
        return query.where(
            or_(
                Organization.id == viewer.organization_id,
                and_(
                    Organization.kind.in_([OrgKind.DONOR, OrgKind.PARTNER]),
                    Organization.territory.in_(
                        served_territories(viewer.organization_id).scalar_subquery()
                    ),
                ),
                and_(
                    Organization.kind == OrgKind.DONOR,
                    or_(device_donors, pickup_donors),
                ),
            )
        )
    return query.where(Organization.id == viewer.organization_id)


def visible_sites(viewer: Principal) -> Select[Site]:
    """Sites a viewer may read: all for the operator and auditors, else the own organisation's."""
    query = select(Site).order_by(Site.name, Site.id)
    if viewer.role in NETWORK_WIDE_ROLES:
        return query
    return query.where(Site.organization_id == viewer.organization_id)
