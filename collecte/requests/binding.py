"""Binding devices to request lines and ending those bindings: each is a device status change
through the device's state machine (``devices.service.change_status``) plus an ``Allocation`` row.

A device is bound at most once: the partial unique index on ``allocations`` (active bindings)
refuses a second binding whatever the concurrency, and the device's version column refuses two
status changes racing on it (both answer 409 "changed meanwhile").
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.events import AllocationPayload, EventKind, Links, ReasonPayload
from collecte.core.types import utcnow
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.service import change_status
from collecte.requests.models import Allocation, BindingEnd, EquipmentRequest, RequestLine


def links(request: EquipmentRequest, shipment_id: int | None = None) -> Links:
    """The partner-flow dimensions of a device's event."""
    return Links(request_id=request.id, partner_id=request.partner_id, shipment_id=shipment_id)


def bind(
    session: Session,
    *,
    actor: User | None,
    request: EquipmentRequest,
    line: RequestLine,
    device: Device,
) -> Allocation:
    """Bind an available device to a line and move it to allocated (the machine refuses a device
    on hold, not available, or without a verified erasure)."""
    allocation = Allocation(
        request_id=request.id,
        line_id=line.id,
        device_id=device.id,
        allocated_by=actor.id if actor else None,
        allocated_at=utcnow(),
    )
    session.add(allocation)
    session.flush()  # the partial unique index refuses a device bound twice here
    change_status(
        session,
        device=device,
        actor=actor,
        to=DeviceStatus.ALLOCATED,
        kind=EventKind.ALLOCATED,
        payload=AllocationPayload(allocation_id=allocation.id, line_id=line.id),
        partner_flow=links(request),
    )
    return allocation


def active_bindings(session: Session, request_id: int) -> list[tuple[Allocation, Device]]:
    """The request's bindings in force, with their devices."""
    query = (
        select(Allocation, Device)
        .join(Device, Device.id == Allocation.device_id)
        .where(Allocation.request_id == request_id, Allocation.ended_at.is_(None))
        .order_by(Allocation.id)
    )
    return [(a, d) for a, d in session.execute(query)]


def unbind(
    session: Session,
    *,
    actor: User | None,
    request: EquipmentRequest,
    allocation: Allocation,
    device: Device,
    reason: str,
    end: BindingEnd = BindingEnd.RELEASED,
) -> None:
    """Give an allocated (not yet dispatched) device back to stock."""
    change_status(
        session,
        device=device,
        actor=actor,
        to=DeviceStatus.AVAILABLE,
        kind=EventKind.DEALLOCATED,
        payload=ReasonPayload(reason=reason),
        note=reason,
        partner_flow=links(request, allocation.shipment_id),
    )
    allocation.ended_at = utcnow()
    allocation.end = end
    allocation.end_reason = reason
    allocation.shipment_id = None


def release_unshipped(
    session: Session, *, actor: User | None, request: EquipmentRequest, reason: str
) -> int:
    """Give back every device of a cancelled request that has not left the workshop."""
    released = 0
    for allocation, device in active_bindings(session, request.id):
        if device.status is DeviceStatus.ALLOCATED:
            unbind(
                session,
                actor=actor,
                request=request,
                allocation=allocation,
                device=device,
                reason=reason,
                end=BindingEnd.CANCELLED,
            )
            released += 1
    return released
