"""Who may see shipments and hand-overs: one place for their scoping."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from collecte.auth.models import Role
from collecte.auth.policy import NETWORK_WIDE_ROLES, WORKSHOP_ROLES, Principal
from collecte.shipments.models import Handover, Shipment


def visible_shipments(viewer: Principal) -> Select[Shipment]:
    """Shipments a viewer may read: its incoming ones for a partner, its workshop's outgoing ones
    for the staff, all for the operator and auditors."""
    query = select(Shipment)
    if viewer.role in NETWORK_WIDE_ROLES:
        return query
    if viewer.role is Role.PARTNER:
        return query.where(Shipment.partner_id == viewer.organization_id)
    if viewer.role in WORKSHOP_ROLES:
        return query.where(Shipment.workshop_id == viewer.organization_id)
    return query.where(false())


def visible_handovers(viewer: Principal) -> Select[Handover]:
    """Hand-overs a viewer may read: a partner's own; the operator's and auditors' all. Workshops
    and donors learn that a device was handed over from its status, never to whom."""
    query = select(Handover)
    if viewer.role in NETWORK_WIDE_ROLES:
        return query
    if viewer.role is Role.PARTNER:
        return query.where(Handover.partner_id == viewer.organization_id)
    return query.where(false())
