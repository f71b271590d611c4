"""Hand-overs: a delivered device given to a beneficiary, known by the partner's pseudonym only;
corrected by its author the same day when the wrong device was recorded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.errors import Conflict, Forbidden, NotFound
from collecte.core.events import EventKind, HandoverPayload, Links, ReasonPayload
from collecte.core.forms import LOCAL_ZONE
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.devices import codes
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.service import change_status, get_device
from collecte.requests import policy as request_policy
from collecte.requests.models import Allocation, EquipmentRequest
from collecte.shipments import policy
from collecte.shipments.models import Handover
from collecte.shipments.schemas import HandoverIn


def get_handover(session: Session, *, viewer: User, handover_id: int) -> Handover:
    """One hand-over the viewer may read; any other is reported as not existing."""
    handover = session.scalar(policy.visible_handovers(viewer).where(Handover.id == handover_id))
    if handover is None:
        raise NotFound("not_found", N_("no hand-over %(handover)s"), handover=handover_id)
    return handover


def _delivered_binding(session: Session, *, viewer: User, device: Device) -> EquipmentRequest:
    """The request a delivered device was sent for; the viewer must be its partner."""
    allocation = session.scalar(
        select(Allocation).where(Allocation.device_id == device.id, Allocation.ended_at.is_(None))
    )
    if allocation is None or device.status is not DeviceStatus.DELIVERED:
        raise Conflict(
            "not_handable",
            N_("device %(code)s is %(status)s: only a delivered device is handed over"),
            code=codes.format_code(device.code),
            status=device.status,
        )
    request = session.get_one(EquipmentRequest, allocation.request_id)
    request_policy.require_receive(viewer, request.partner_id)
    return request


def _links(request: EquipmentRequest, beneficiary_ref: str) -> Links:
    return Links(
        request_id=request.id, partner_id=request.partner_id, beneficiary_ref=beneficiary_ref
    )


def record_handover(session: Session, *, viewer: User, data: HandoverIn) -> Handover:
    """Record that a delivered device went to a beneficiary (by the partner's pseudonym)."""
    device = get_device(session, viewer=viewer, raw_code=data.device_code)
    request = _delivered_binding(session, viewer=viewer, device=device)
    handover = Handover(
        device_id=device.id,
        partner_id=request.partner_id,
        request_id=request.id,
        beneficiary_ref=data.beneficiary_ref,
        age_band=data.age_band.value if data.age_band else None,
        situation=data.situation.value if data.situation else None,
        postcode=data.postcode,
        price_paid_eur=data.price_paid_eur,
        recorded_by=viewer.id,
        handed_over_at=utcnow(),
    )
    session.add(handover)
    session.flush()  # the id the event carries
    change_status(
        session,
        device=device,
        actor=viewer,
        to=DeviceStatus.HANDED_OVER,
        kind=EventKind.HANDED_OVER,
        payload=HandoverPayload(
            handover_id=handover.id,
            age_band=handover.age_band,
            situation=handover.situation,
            postcode=handover.postcode,
            price_paid_eur=handover.price_paid_eur,
        ),
        partner_flow=_links(request, handover.beneficiary_ref),
    )
    return handover


def correct_handover(
    session: Session, *, viewer: User, handover: Handover, raw_code: str, reason: str
) -> Handover:
    """The wrong device was recorded: its author undoes it the same day (the device goes back to
    delivered) and the hand-over is recorded again on the right device."""
    if handover.recorded_by != viewer.id:
        raise Forbidden(
            "handover_not_yours", N_("only the person who recorded a hand-over may correct it")
        )
    if handover.undone_at is not None:
        raise Conflict("handover_undone", N_("this hand-over was already undone"))
    if (
        handover.handed_over_at.astimezone(LOCAL_ZONE).date()
        != utcnow().astimezone(LOCAL_ZONE).date()
    ):
        raise Conflict(
            "handover_correction_too_late",
            N_("a hand-over is corrected the day it was recorded only; record a return instead"),
        )
    wrong = session.get_one(Device, handover.device_id)
    request = session.get_one(EquipmentRequest, handover.request_id)
    handover.undone_at, handover.undo_reason = utcnow(), reason
    change_status(
        session,
        device=wrong,
        actor=viewer,
        to=DeviceStatus.DELIVERED,
        kind=EventKind.HANDOVER_UNDONE,
        payload=ReasonPayload(reason=reason),
        note=reason,
        partner_flow=_links(request, handover.beneficiary_ref),
    )
    data = HandoverIn(
        device_code=raw_code,
        beneficiary_ref=handover.beneficiary_ref,
        age_band=handover.age_band,
        situation=handover.situation,
        postcode=handover.postcode,
        price_paid_eur=handover.price_paid_eur,
    )
    return record_handover(session, viewer=viewer, data=data)


def list_handovers(
    session: Session, *, viewer: User, limit: int = 100, offset: int = 0
) -> list[tuple[Handover, str]]:
    """A page of the hand-overs the viewer may read, newest first, with their device codes."""
    query = (
        policy.visible_handovers(viewer)
        .add_columns(Device.code)
        .join(Device, Device.id == Handover.device_id)
        .order_by(Handover.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(h, code) for h, code in session.execute(query)]
