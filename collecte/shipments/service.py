"""Shipments: devices allocated to one request picked (by scan), dispatched, and confirmed by the
partner in full or in part; returns of delivered devices. Every device move goes through the
device's state machine with the request and shipment it belongs to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.errors import Conflict, InvalidInput, NotFound, Reason
from collecte.core.events import (
    AllocationPayload,
    EventKind,
    NotDeliveredPayload,
    Payload,
    ReturnPayload,
    ShipmentDeliveredPayload,
    ShipmentPayload,
    Subject,
    record_event,
)
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.devices import codes
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.service import change_status, get_device, parse_scanned
from collecte.requests import policy as request_policy
from collecte.requests.binding import links
from collecte.requests.models import Allocation, BindingEnd, EquipmentRequest
from collecte.requests.service import close_if_done, get_request
from collecte.shipments import policy
from collecte.shipments.lifecycle import SHIPMENT_MACHINE, ShipmentStatus
from collecte.shipments.models import Handover, Shipment
from collecte.shipments.schemas import Missing

NOT_RECEIVED = "not received"


def get_shipment(session: Session, *, viewer: User, shipment_id: int) -> Shipment:
    """One shipment the viewer may read; any other is reported as not existing."""
    shipment = session.scalar(policy.visible_shipments(viewer).where(Shipment.id == shipment_id))
    if shipment is None:
        raise NotFound("not_found", N_("no shipment %(shipment)s"), shipment=shipment_id)
    return shipment


def shipment_devices(session: Session, shipment_id: int) -> list[tuple[Allocation, Device]]:
    """The shipment's devices with their bindings (those that came back included), by code."""
    query = (
        select(Allocation, Device)
        .join(Device, Device.id == Allocation.device_id)
        .where(Allocation.shipment_id == shipment_id)
        .order_by(Device.code)
    )
    return [(a, d) for a, d in session.execute(query)]


def _record(
    session: Session,
    *,
    shipment: Shipment,
    actor: User,
    kind: EventKind,
    payload: Payload,
    from_status: ShipmentStatus | None = None,
    to_status: ShipmentStatus | None = None,
) -> None:
    record_event(
        session,
        kind=kind,
        subject=Subject.SHIPMENT,
        actor_id=actor.id,
        payload=payload,
        from_status=from_status,
        to_status=to_status,
        request_id=shipment.request_id,
        shipment_id=shipment.id,
        partner_id=shipment.partner_id,
        workshop_id=shipment.workshop_id,
    )


def _binding_for_pick(session: Session, *, request: EquipmentRequest, device: Device) -> Allocation:
    """The device's binding to this request, free to be picked; else a 409 naming the device and
    the request it is bound to (the picker is staff of its workshop, who may read both)."""
    allocation = session.scalar(
        select(Allocation).where(Allocation.device_id == device.id, Allocation.ended_at.is_(None))
    )
    code = codes.format_code(device.code)
    if allocation is None:
        raise Conflict(
            "device_not_allocated",
            N_("device %(code)s is not allocated to any request (it is %(status)s)"),
            code=code,
            status=device.status,
        )
    if allocation.request_id != request.id:
        raise Conflict(
            "device_of_another_request",
            N_("device %(code)s is allocated to request %(other)s, not to request %(request)s"),
            code=code,
            other=allocation.request_id,
            request=request.id,
        )
    if allocation.shipment_id is not None or device.status is not DeviceStatus.ALLOCATED:
        raise Conflict(
            "device_already_picked",
            N_("device %(code)s is already in shipment %(shipment)s"),
            code=code,
            shipment=allocation.shipment_id,
        )
    return allocation


def create_shipment(
    session: Session, *, viewer: User, request_id: int, device_codes: Sequence[str], carrier: str
) -> Shipment:
    """Start a shipment for one approved request, with the devices picked so far."""
    request = get_request(session, viewer=viewer, request_id=request_id)
    request_policy.require_ship(viewer, request)
    shipment = Shipment(
        request_id=request.id,
        partner_id=request.partner_id,
        workshop_id=request.workshop_id,
        carrier=carrier,
        created_by=viewer.id,
        created_at=utcnow(),
    )
    session.add(shipment)
    session.flush()  # the id the bindings and events reference
    for raw in device_codes:
        pick_device(session, viewer=viewer, shipment=shipment, raw_code=raw)
    _record(
        session,
        shipment=shipment,
        actor=viewer,
        kind=EventKind.SHIPMENT_CREATED,
        payload=ShipmentPayload(devices=len(device_codes)),
        to_status=ShipmentStatus.PREPARING,
    )
    return shipment


def pick_device(session: Session, *, viewer: User, shipment: Shipment, raw_code: str) -> Device:
    """Put a scanned device in a shipment being prepared: only a device allocated to its request."""
    request = session.get_one(EquipmentRequest, shipment.request_id)
    request_policy.require_ship(viewer, request)
    if shipment.status is not ShipmentStatus.PREPARING:
        raise _not_preparing(shipment)
    device = get_device(session, viewer=viewer, raw_code=raw_code)
    allocation = _binding_for_pick(session, request=request, device=device)
    allocation.shipment_id = shipment.id
    return device


def _not_preparing(shipment: Shipment) -> Exception:
    return SHIPMENT_MACHINE.refuse(
        Reason(
            "shipment_not_preparing",
            N_("shipment %(shipment)s is %(status)s: its devices can no longer change"),
            {"shipment": shipment.id, "status": shipment.status},
        ),
        allowed=SHIPMENT_MACHINE.allowed_next(shipment.status),
    )


def _move(
    session: Session,
    *,
    shipment: Shipment,
    actor: User,
    to: ShipmentStatus,
    kind: EventKind,
    payload: Payload,
) -> None:
    SHIPMENT_MACHINE.move(
        shipment,
        to,
        record=lambda current, target: _record(
            session,
            shipment=shipment,
            actor=actor,
            kind=kind,
            payload=payload,
            from_status=current,
            to_status=target,
        ),
    )


def dispatch_shipment(session: Session, *, viewer: User, shipment: Shipment) -> int:
    """Send the shipment: its devices move to shipped. Returns how many."""
    request = session.get_one(EquipmentRequest, shipment.request_id)
    request_policy.require_ship(viewer, request)
    picked = shipment_devices(session, shipment.id)
    if not picked:
        raise Conflict("shipment_empty", N_("pick at least one device before dispatching"))
    _move(
        session,
        shipment=shipment,
        actor=viewer,
        to=ShipmentStatus.DISPATCHED,
        kind=EventKind.SHIPMENT_DISPATCHED,
        payload=ShipmentPayload(devices=len(picked)),
    )
    now = utcnow()
    shipment.dispatched_at = now
    for allocation, device in picked:
        change_status(
            session,
            device=device,
            actor=viewer,
            to=DeviceStatus.SHIPPED,
            kind=EventKind.SHIPPED,
            payload=AllocationPayload(allocation_id=allocation.id, line_id=allocation.line_id),
            partner_flow=links(request, shipment.id),
        )
        allocation.shipped_at = now
    return len(picked)


def deliver_shipment(
    session: Session,
    *,
    viewer: User,
    shipment: Shipment,
    device_codes: Sequence[str] | None,
    missing: Sequence[Missing] = (),
) -> tuple[int, int]:
    """The partner confirms what it received (all when no list is given); each device not
    received is recorded as returned (the default) or lost, with a reason. Returns (delivered,
    missing)."""
    request_policy.require_receive(viewer, shipment.partner_id)
    request = session.get_one(EquipmentRequest, shipment.request_id)
    picked = {
        device.code: (allocation, device)
        for allocation, device in shipment_devices(session, shipment.id)
    }
    received = set(picked) if device_codes is None else {_in(picked, raw) for raw in device_codes}
    reasons = {_in(picked, m.device_code): m for m in missing}
    both = received & set(reasons)
    if both:
        raise InvalidInput(
            "received_and_missing",
            N_("a device cannot be both received and missing: %(codes)s"),
            codes=sorted(codes.format_code(c) for c in both),
        )
    _move(
        session,
        shipment=shipment,
        actor=viewer,
        to=ShipmentStatus.DELIVERED,
        kind=EventKind.SHIPMENT_DELIVERED,
        payload=ShipmentDeliveredPayload(
            delivered=len(received), missing=len(picked) - len(received)
        ),
    )
    now = utcnow()
    shipment.delivered_at = now
    for code, (allocation, device) in sorted(picked.items()):
        flow = links(request, shipment.id)
        if code in received:
            change_status(
                session,
                device=device,
                actor=viewer,
                to=DeviceStatus.DELIVERED,
                kind=EventKind.DELIVERED,
                payload=AllocationPayload(allocation_id=allocation.id, line_id=allocation.line_id),
                partner_flow=flow,
            )
            allocation.delivered_at = now
            continue
        gone = reasons.get(code) or Missing(device_code=code, reason=NOT_RECEIVED)
        outcome = DeviceStatus.LOST if gone.outcome == "lost" else DeviceStatus.RETURNED
        change_status(
            session,
            device=device,
            actor=viewer,
            to=outcome,
            kind=EventKind.NOT_DELIVERED,
            payload=NotDeliveredPayload(
                allocation_id=allocation.id, outcome=gone.outcome, reason=gone.reason
            ),
            note=gone.reason,
            partner_flow=flow,
        )
        allocation.ended_at = now
        allocation.end = BindingEnd.LOST if outcome is DeviceStatus.LOST else BindingEnd.RETURNED
        allocation.end_reason = gone.reason
    close_if_done(session, request=request, actor=viewer)
    return len(received), len(picked) - len(received)


def _in(picked: dict[str, tuple[Allocation, Device]], raw: str) -> str:
    """The code of a device of this shipment; another code is refused, naming it."""
    code = parse_scanned(raw)
    if code not in picked:
        raise Conflict(
            "device_not_in_shipment",
            N_("device %(code)s is not in this shipment"),
            code=codes.format_code(code),
        )
    return code


def return_device(
    session: Session,
    *,
    viewer: User,
    raw_code: str,
    reason: str,
    personal_data_removed: bool | None,
) -> Device:
    """A partner sends a delivered or handed-over device back: it returns to the workshop, whose
    history for it starts afresh (its storage is erased again before any reuse)."""
    device = get_device(session, viewer=viewer, raw_code=raw_code)
    allocation = session.scalar(
        select(Allocation).where(Allocation.device_id == device.id, Allocation.ended_at.is_(None))
    )
    if allocation is None or device.status not in (
        DeviceStatus.DELIVERED,
        DeviceStatus.HANDED_OVER,
    ):
        raise Conflict(
            "not_returnable",
            N_("device %(code)s is %(status)s: only a delivered or handed-over device is returned"),
            code=codes.format_code(device.code),
            status=device.status,
        )
    request = session.get_one(EquipmentRequest, allocation.request_id)
    request_policy.require_receive(viewer, request.partner_id)
    now = utcnow()
    for handover in session.scalars(
        select(Handover).where(Handover.device_id == device.id, Handover.undone_at.is_(None))
    ):
        handover.undone_at, handover.undo_reason = now, f"returned: {reason}"
    change_status(
        session,
        device=device,
        actor=viewer,
        to=DeviceStatus.RETURNED,
        kind=EventKind.RETURNED,
        payload=ReturnPayload(reason=reason, personal_data_removed=personal_data_removed),
        note=reason,
        partner_flow=links(request, allocation.shipment_id),
    )
    allocation.ended_at, allocation.end, allocation.end_reason = now, BindingEnd.RETURNED, reason
    return device
