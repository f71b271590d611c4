"""Shipment pages: the list (a workshop's outgoing shipments, a partner's deliveries) and starting
a shipment for a request.

The shipment page (picking, dispatch, confirming a delivery) lives in ``pages_shipment``, the
hand-overs and returns in ``pages_handovers``; their routes are included at the end, after
``/shipments/new``. Every list and page reads through ``policy.visible_shipments``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import case, func, select

from collecte.auth.deps import SettingsDep, WebUser
from collecte.auth.models import Role
from collecte.core.db import SessionDep
from collecte.core.errors import InvalidInput, NotFound
from collecte.core.forms import FormDep, ascii_int, form_texts, local_date
from collecte.core.schemas import MAX_ID
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, request_language, require_csrf
from collecte.documents.router import pdf_response
from collecte.orgs.models import Organization
from collecte.requests.models import Allocation
from collecte.shipments import (
    documents,
    handovers,
    pages_handovers,
    pages_shipment,
    policy,
    receipts,
    service,
)
from collecte.shipments.lifecycle import ShipmentStatus
from collecte.shipments.models import Shipment
from collecte.shipments.schemas import ShipmentCreate

router = APIRouter(include_in_schema=False)

SHOWN = 100
# What needs someone first: a partner confirms what was dispatched to it; the workshop finishes
# what it is preparing.
_FIRST = {Role.PARTNER: ShipmentStatus.DISPATCHED}


@router.get("/shipments", response_class=HTMLResponse)
def shipment_list(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    """A partner's deliveries, or a workshop's outgoing shipments, what needs acting on first."""
    first = _FIRST.get(user.role, ShipmentStatus.PREPARING)
    query = (
        policy.visible_shipments(user)
        .order_by(case((Shipment.status == first, 0), else_=1), Shipment.id.desc())
        .limit(SHOWN)
    )
    shipments = list(session.scalars(query))
    ids = [s.id for s in shipments]
    devices = dict(
        session.execute(
            select(Allocation.shipment_id, func.count())
            .where(Allocation.shipment_id.in_(ids))
            .group_by(Allocation.shipment_id)
        ).all()
    )
    partner_ids = {s.partner_id for s in shipments} | {s.workshop_id for s in shipments}
    names = dict(
        session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(partner_ids))
        ).all()
    )
    return render(
        request,
        "shipments/list.html",
        user=user,
        shipments=shipments,
        devices=devices,
        names=names,
        first=first,
        local_date=local_date,
    )


@router.post("/shipments/new", dependencies=[Depends(require_csrf)])
def new_shipment(session: SessionDep, user: WebUser, form: FormDep) -> Response:
    """Start a shipment for a request; its devices are then picked by scan on its page."""
    values = form_texts(form, ("request_id", "carrier"))
    request_id = ascii_int(values["request_id"], low=1, high=MAX_ID)
    if request_id is None:
        raise NotFound("not_found", N_("no request %(request)s"), request=values["request_id"])
    try:
        body = ShipmentCreate.model_validate(
            {"request_id": request_id, "carrier": values["carrier"]}
        )
    except ValidationError as exc:
        raise InvalidInput(
            "invalid_carrier", N_("the carrier is one line of at most 100 characters")
        ) from exc
    shipment = service.create_shipment(
        session, viewer=user, request_id=body.request_id, device_codes=[], carrier=body.carrier
    )
    return redirect(f"/shipments/{shipment.id}?done=created")


@router.get("/shipments/{shipment_id}/delivery-note.pdf")
def delivery_note(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep, shipment_id: int
) -> Response:
    """The delivery note, for a signed-in page visitor (the API's twin takes a bearer token)."""
    shipment = service.get_shipment(session, viewer=user, shipment_id=_page_id(shipment_id))
    issued = documents.delivery_note(
        session,
        shipment=shipment,
        actor=user,
        settings=settings,
        language=request_language(request),
    )
    return pdf_response(issued, f"delivery-note-{shipment.id}.pdf")


@router.get("/handovers/{handover_id}/receipt.pdf")
def handover_receipt(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep, handover_id: int
) -> Response:
    """The hand-over receipt to print and sign, for a signed-in page visitor."""
    handover = handovers.get_handover(session, viewer=user, handover_id=_page_id(handover_id))
    issued = receipts.handover_receipt(
        session,
        handover=handover,
        actor=user,
        settings=settings,
        language=request_language(request),
    )
    return pdf_response(issued, f"handover-receipt-{handover.id}.pdf")


def _page_id(value: int) -> int:
    """An id from a page's path; one past the ids' range names nothing (404, never a 500)."""
    if not 1 <= value <= MAX_ID:
        raise NotFound("not_found", N_("no such page"))
    return value


router.include_router(pages_shipment.router)  # after /shipments/new
router.include_router(pages_handovers.router)
