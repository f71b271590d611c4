"""What each role's home page shows, read from the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.service import count_users_by_role
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.policy import visible_devices
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.policy import visible_organizations, visible_sites
from collecte.orgs.service import count_organizations_by_kind
from collecte.requests.lifecycle import RequestStatus
from collecte.requests.models import EquipmentRequest
from collecte.requests.policy import receives, visible_requests
from collecte.shipments.lifecycle import ShipmentStatus
from collecte.shipments.models import Shipment
from collecte.shipments.policy import visible_shipments


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


@dataclass(frozen=True)
class PartnerFlowCounts:
    """What waits on someone in the partner flow, as the viewer may see it."""

    submitted: int = 0
    approved: int = 0
    preparing: int = 0
    dispatched: int = 0
    delivered_devices: int = 0


def partner_flow_counts(session: Session, *, viewer: User) -> PartnerFlowCounts:
    """Requests to decide or serve, parcels to finish or confirm, devices to hand over: counted
    through the same policies as the pages they link to."""
    if viewer.role is Role.DONOR:
        return PartnerFlowCounts()
    requests = dict(
        session.execute(
            visible_requests(viewer)
            .with_only_columns(EquipmentRequest.status, func.count())
            .group_by(EquipmentRequest.status)
        ).all()
    )
    shipments = dict(
        session.execute(
            visible_shipments(viewer)
            .with_only_columns(Shipment.status, func.count())
            .group_by(Shipment.status)
        ).all()
    )
    delivered = 0
    if receives(viewer):
        delivered = (
            session.scalar(
                visible_devices(viewer)
                .where(Device.status == DeviceStatus.DELIVERED)
                .with_only_columns(func.count())
                .order_by(None)
            )
            or 0
        )
    return PartnerFlowCounts(
        submitted=requests.get(RequestStatus.SUBMITTED, 0),
        approved=requests.get(RequestStatus.APPROVED, 0),
        preparing=shipments.get(ShipmentStatus.PREPARING, 0),
        dispatched=shipments.get(ShipmentStatus.DISPATCHED, 0),
        delivered_devices=delivered,
    )
