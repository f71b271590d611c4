"""JSON API for shipments (pick, dispatch, deliver, delivery note), returns and hand-overs."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from collecte.auth.deps import CurrentUser, SettingsDep
from collecte.core.db import SessionDep
from collecte.core.schemas import IdPath, Limit, Offset
from collecte.devices.schemas import DeviceOut
from collecte.documents.router import Lang, api_language, pdf_response
from collecte.requests.allocating import device_code
from collecte.shipments import documents, handovers, policy, receipts, service
from collecte.shipments.models import Handover, Shipment
from collecte.shipments.schemas import (
    DeliverIn,
    HandoverCorrectionIn,
    HandoverIn,
    HandoverOut,
    PickIn,
    ReturnIn,
    ShipmentCreate,
    ShipmentDeviceOut,
    ShipmentOut,
)

router = APIRouter(prefix="/api/v1/shipments", tags=["shipments"])
returns_router = APIRouter(prefix="/api/v1/returns", tags=["shipments"])
handovers_router = APIRouter(prefix="/api/v1/handovers", tags=["hand-overs"])


def shipment_out(session: Session, shipment: Shipment) -> ShipmentOut:
    devices = [
        ShipmentDeviceOut(
            code=device.code,
            category=device.category.value,
            brand=device.brand,
            model=device.model,
            status=device.status.value,
            line_id=allocation.line_id,
        )
        for allocation, device in service.shipment_devices(session, shipment.id)
    ]
    return ShipmentOut(
        id=shipment.id,
        request_id=shipment.request_id,
        partner_id=shipment.partner_id,
        workshop_id=shipment.workshop_id,
        status=shipment.status,
        carrier=shipment.carrier,
        created_at=shipment.created_at,
        dispatched_at=shipment.dispatched_at,
        delivered_at=shipment.delivered_at,
        devices=devices,
    )


@router.post("", status_code=201, response_model=ShipmentOut)
def create_shipment(body: ShipmentCreate, session: SessionDep, viewer: CurrentUser) -> ShipmentOut:
    """Start a shipment for a request with devices allocated to it (any other is refused)."""
    shipment = service.create_shipment(
        session,
        viewer=viewer,
        request_id=body.request_id,
        device_codes=body.device_codes,
        carrier=body.carrier,
    )
    return shipment_out(session, shipment)


@router.get("", response_model=list[ShipmentOut])
def list_shipments(
    session: SessionDep, viewer: CurrentUser, limit: Limit = 100, offset: Offset = 0
) -> list[ShipmentOut]:
    """Shipments the caller may see, newest first."""
    query = policy.visible_shipments(viewer).order_by(Shipment.id.desc()).limit(limit)
    return [shipment_out(session, s) for s in session.scalars(query.offset(offset))]


@router.get("/{shipment_id}", response_model=ShipmentOut)
def get_shipment(shipment_id: IdPath, session: SessionDep, viewer: CurrentUser) -> ShipmentOut:
    """One shipment and its devices."""
    return shipment_out(
        session, service.get_shipment(session, viewer=viewer, shipment_id=shipment_id)
    )


@router.post("/{shipment_id}/devices", response_model=ShipmentOut)
def pick_device(
    shipment_id: IdPath, body: PickIn, session: SessionDep, viewer: CurrentUser
) -> ShipmentOut:
    """Pick a scanned device into a shipment being prepared."""
    shipment = service.get_shipment(session, viewer=viewer, shipment_id=shipment_id)
    service.pick_device(session, viewer=viewer, shipment=shipment, raw_code=body.code)
    return shipment_out(session, shipment)


@router.post("/{shipment_id}/dispatch", response_model=ShipmentOut)
def dispatch_shipment(shipment_id: IdPath, session: SessionDep, viewer: CurrentUser) -> ShipmentOut:
    """Send the shipment: its devices are shipped."""
    shipment = service.get_shipment(session, viewer=viewer, shipment_id=shipment_id)
    service.dispatch_shipment(session, viewer=viewer, shipment=shipment)
    return shipment_out(session, shipment)


@router.post("/{shipment_id}/deliver", response_model=ShipmentOut)
def deliver_shipment(
    shipment_id: IdPath, session: SessionDep, viewer: CurrentUser, body: DeliverIn | None = None
) -> ShipmentOut:
    """The partner confirms what it received (all when no list is given); the rest is returned
    or lost, with a reason."""
    shipment = service.get_shipment(session, viewer=viewer, shipment_id=shipment_id)
    given = body or DeliverIn()
    service.deliver_shipment(
        session,
        viewer=viewer,
        shipment=shipment,
        device_codes=given.device_codes,
        missing=given.missing,
    )
    return shipment_out(session, shipment)


@router.get("/{shipment_id}/delivery-note.pdf", response_class=Response)
def delivery_note(
    shipment_id: IdPath,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    lang: Lang = None,
) -> Response:
    """The delivery note of a dispatched shipment, one barcode a device (409 before dispatch)."""
    shipment = service.get_shipment(session, viewer=viewer, shipment_id=shipment_id)
    issued = documents.delivery_note(
        session,
        shipment=shipment,
        actor=viewer,
        settings=settings,
        language=api_language(settings, lang),
    )
    return pdf_response(issued, f"delivery-note-{shipment.id}.pdf")


@returns_router.post("", status_code=201, response_model=DeviceOut)
def return_device(body: ReturnIn, session: SessionDep, viewer: CurrentUser) -> object:
    """Send a delivered or handed-over device back to the workshop (erased again before reuse)."""
    return service.return_device(
        session,
        viewer=viewer,
        raw_code=body.device_code,
        reason=body.reason,
        personal_data_removed=body.personal_data_removed,
    )


def handover_out(handover: Handover, code: str) -> HandoverOut:
    return HandoverOut(
        id=handover.id,
        device_code=code,
        partner_id=handover.partner_id,
        request_id=handover.request_id,
        beneficiary_ref=handover.beneficiary_ref,
        age_band=handover.age_band,
        situation=handover.situation,
        postcode=handover.postcode,
        price_paid_eur=handover.price_paid_eur,
        handed_over_at=handover.handed_over_at,
        undone_at=handover.undone_at,
    )


def _code(session: Session, handover: Handover) -> str:
    return device_code(session, handover.device_id)


@handovers_router.post("", status_code=201, response_model=HandoverOut)
def record_handover(body: HandoverIn, session: SessionDep, viewer: CurrentUser) -> HandoverOut:
    """Record that a delivered device went to a beneficiary (a pseudonym, never a name)."""
    handover = handovers.record_handover(session, viewer=viewer, data=body)
    return handover_out(handover, _code(session, handover))


@handovers_router.get("", response_model=list[HandoverOut])
def list_handovers(
    session: SessionDep, viewer: CurrentUser, limit: Limit = 100, offset: Offset = 0
) -> list[HandoverOut]:
    """The caller's hand-overs (a partner's own), newest first."""
    found = handovers.list_handovers(session, viewer=viewer, limit=limit, offset=offset)
    return [handover_out(h, code) for h, code in found]


@handovers_router.get("/{handover_id}/receipt.pdf", response_class=Response)
def handover_receipt(
    handover_id: IdPath,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    lang: Lang = None,
) -> Response:
    """The receipt of a hand-over, to print and sign: the device, its erasure, the warranty."""
    handover = handovers.get_handover(session, viewer=viewer, handover_id=handover_id)
    issued = receipts.handover_receipt(
        session,
        handover=handover,
        actor=viewer,
        settings=settings,
        language=api_language(settings, lang),
    )
    return pdf_response(issued, f"handover-receipt-{handover.id}.pdf")


@handovers_router.post("/{handover_id}/correct", status_code=201, response_model=HandoverOut)
def correct_handover(
    handover_id: IdPath, body: HandoverCorrectionIn, session: SessionDep, viewer: CurrentUser
) -> HandoverOut:
    """Its author moves a hand-over recorded today to the device actually given."""
    handover = handovers.get_handover(session, viewer=viewer, handover_id=handover_id)
    corrected = handovers.correct_handover(
        session, viewer=viewer, handover=handover, raw_code=body.device_code, reason=body.reason
    )
    return handover_out(corrected, _code(session, corrected))
