"""Binding devices to request lines and ending those bindings: each is a device status change
through the device's state machine (``devices.service.change_statuses``) plus an ``Allocation``
row. One device or ten thousand, binding is the same code (``bind`` is ``bind_many`` of one).

A device is bound at most once: its binder holds its row (locked on PostgreSQL, writers take turns
on SQLite) and the machine refuses a device that is not available; behind that, the partial unique
index on ``allocations`` (active bindings) refuses a second binding whatever the concurrency, and
the device's version column refuses two status changes racing on it (both answer 409 "changed
meanwhile").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.db import among
from collecte.core.errors import InvalidTransition
from collecte.core.events import AllocationPayload, EventKind, Links, ReasonPayload
from collecte.core.types import utcnow
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.rules import DeviceFacts, facts_for
from collecte.devices.service import StatusChange, change_status, change_statuses
from collecte.devices.status import status_refusal
from collecte.requests.models import Allocation, BindingEnd, EquipmentRequest, RequestLine

# A device for a line of a request.
Pick = tuple[EquipmentRequest, RequestLine, Device]


def links(request: EquipmentRequest, shipment_id: int | None = None) -> Links:
    """The partner-flow dimensions of a device's event."""
    return Links(request_id=request.id, partner_id=request.partner_id, shipment_id=shipment_id)


def refusal(facts: DeviceFacts) -> InvalidTransition | None:
    """What refuses binding a device with these facts: its machine's move to allocated (not
    available, on hold, no verified erasure), or None."""
    return status_refusal(facts, DeviceStatus.ALLOCATED, by_hand=False)


def bind_many(
    session: Session,
    *,
    actor: User | None,
    picks: Sequence[Pick],
    facts: Mapping[int, DeviceFacts] | None = None,
    last_write: bool = False,
) -> list[int]:
    """Bind available devices to lines and move them to allocated, all or none (the machine
    refuses a device on hold, not available, or without a verified erasure); the bindings' ids.

    The caller holds the devices' rows for this transaction (``FOR UPDATE`` on PostgreSQL) and may
    pass the facts it read of them since (``change_statuses``' ``facts``); ``last_write``, when
    its transaction writes nothing more (a run): the events are numbered as they are written.
    """
    if not picks:
        return []  # (an empty list of rows would insert one row of defaults)
    known = facts if facts is not None else facts_for(session, [d.id for *_, d in picks])
    for *_, device in picks:
        refused = refusal(known[device.id])
        if refused is not None:
            raise refused  # before any row is written: the machine says why, not the index
    now = utcnow()
    rows = [
        {
            "request_id": request.id,
            "line_id": line.id,
            "device_id": device.id,
            "allocated_by": actor.id if actor else None,
            "allocated_at": now,
            "end_reason": "",
        }
        for request, line, device in picks
    ]
    # One prepared statement for every row, on the table (the active-binding index checks here),
    # then read back by that index for their ids, which the events name (see ``record_events``).
    session.execute(insert(cast(Table, Allocation.__table__)), rows)
    bound = select(Allocation.device_id, Allocation.id).where(
        among(Allocation.device_id, [device.id for *_, device in picks]),
        Allocation.ended_at.is_(None),
    )
    by_device: dict[int, int] = dict(session.execute(bound).all())
    ids = [by_device[device.id] for *_, device in picks]
    changes = [
        StatusChange(
            device,
            DeviceStatus.ALLOCATED,
            kind=EventKind.ALLOCATED,
            payload=AllocationPayload(allocation_id=allocation_id, line_id=line.id),
            partner_flow=links(request),
        )
        for allocation_id, (request, line, device) in zip(ids, picks, strict=True)
    ]
    change_statuses(session, actor=actor, changes=changes, facts=known, numbered_now=last_write)
    return ids


def bind(
    session: Session,
    *,
    actor: User | None,
    request: EquipmentRequest,
    line: RequestLine,
    device: Device,
) -> Allocation:
    """Bind one device to a line (``bind_many`` of one)."""
    (allocation_id,) = bind_many(session, actor=actor, picks=[(request, line, device)])
    return session.get_one(Allocation, allocation_id)


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
