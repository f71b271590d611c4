"""Who may see and change devices: one SQL expression for reading (every list, detail, export,
PDF and the scan look-up use it), one rule for working on a device."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true

from collecte.auth.models import Role
from collecte.auth.policy import NETWORK_WIDE_ROLES, WORKSHOP_ROLES, Principal
from collecte.core.errors import Forbidden
from collecte.core.vocabulary import N_
from collecte.devices import codes
from collecte.devices.models import Device
from collecte.requests.models import Allocation, EquipmentRequest


def device_visibility(role: Role, organization_id: Any) -> ColumnElement[bool]:
    """The devices someone of this role and organisation may read: the network for the operator
    and auditors, the own workshop's for its staff, the devices it donated for a donor; a partner
    sees those dispatched to it, until they come back. ``organization_id`` may be a value or a bound
    parameter (the scan look-up builds its statement once per role)."""
    if role in NETWORK_WIDE_ROLES:
        return true()
    if role in WORKSHOP_ROLES:
        return Device.organization_id == organization_id  # type: ignore[no-any-return]
    if role is Role.DONOR:
        return Device.donor_id == organization_id  # type: ignore[no-any-return]
    if role is Role.PARTNER:
        # From dispatch on, while bound to one of its requests (a return ends the binding).
        sent_to_partner = (
            select(Allocation.device_id)
            .join(EquipmentRequest, EquipmentRequest.id == Allocation.request_id)
            .where(
                EquipmentRequest.partner_id == organization_id,
                Allocation.ended_at.is_(None),
                Allocation.shipped_at.is_not(None),
            )
        )
        return Device.id.in_(sent_to_partner.scalar_subquery())
    return false()


def visible_devices(viewer: Principal) -> Select[Device]:
    """Devices a viewer may read."""
    return select(Device).where(device_visibility(viewer.role, viewer.organization_id))


def can_work_on(viewer: Principal, device: Device) -> bool:
    """Whether the viewer may record work on or move this device."""
    if viewer.role is Role.ADMIN:
        return True
    return viewer.role in WORKSHOP_ROLES and device.organization_id == viewer.organization_id


def require_work_on(viewer: Principal, device: Device) -> None:
    if not can_work_on(viewer, device):
        raise Forbidden(
            "may_not_change_device",
            N_("a %(role)s may not change device %(code)s"),
            role=viewer.role,
            code=codes.format_code(device.code),
        )
