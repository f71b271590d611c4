"""The shipment page: the workshop picks devices by scan and dispatches them; the partner confirms
what arrived, ticking devices or scanning them, and says what became of the others.

Scanning needs no script: the scan input is the form's first field and its button the form's
first, so a keyboard-wedge scanner's Enter posts it. Picking writes at once (and redirects);
ticking a received device writes nothing: the confirmation form comes back with the device
ticked, everything else as it was, until "confirm" sends it all to ``deliver_shipment``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from collecte.auth.deps import WebUser
from collecte.auth.models import User
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError
from collecte.core.forms import (
    FormDep,
    Refusal,
    act_in_savepoint,
    form_text,
    local_time,
    translate,
)
from collecte.core.schemas import IdPath
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, request_language, require_csrf
from collecte.devices import codes
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.service import parse_scanned
from collecte.orgs.models import Organization
from collecte.requests import binding
from collecte.requests import policy as request_policy
from collecte.requests.models import EquipmentRequest
from collecte.shipments import service
from collecte.shipments.lifecycle import ShipmentStatus
from collecte.shipments.models import Shipment
from collecte.shipments.schemas import Missing

router = APIRouter(include_in_schema=False)

DONE = {
    "created": N_("The shipment is started: scan each device you put in the parcel."),
    "dispatched": N_("The shipment is dispatched; the partner confirms it on arrival."),
    "delivered": N_("The delivery is confirmed. Record each hand-over when a device is given."),
}
# Why a device did not arrive. The values are stored as the reason (the API takes free text);
# the page shows them in the visitor's language.
MISSING_REASONS = {
    "not in the parcel": N_("Not in the parcel"),
    "damaged in transit": N_("Damaged in transit"),
    "not the device expected": N_("Not the device expected"),
}
OUTCOMES = {"returned": N_("Goes back to the workshop"), "lost": N_("Lost")}
# The page twin of the API's route (pages.py): a page visitor has a session, not a bearer token.
DELIVERY_NOTE = "/shipments/{id}/delivery-note.pdf"


@dataclass
class Receipt:
    """The delivery confirmation as the partner is filling it in."""

    received: set[str] = field(default_factory=set)
    outcomes: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def shipment_page(
    request: Request,
    session: Session,
    user: User,
    shipment: Shipment,
    *,
    done: str | None = None,
    scanned: str | None = None,
    scan_error: str | None = None,
    receipt: Receipt | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The shipment page; after a scan, with its outcome; while confirming, as filled in."""
    equipment = session.get_one(EquipmentRequest, shipment.request_id)
    devices = [device for _allocation, device in service.shipment_devices(session, shipment.id)]
    preparing = shipment.status is ShipmentStatus.PREPARING
    can_ship = request_policy.may_ship(user, equipment)
    to_pick = (
        [d for a, d in binding.active_bindings(session, equipment.id) if a.shipment_id is None]
        if can_ship and preparing
        else []
    )
    found = next((d for d in devices if d.code == scanned), None)
    return render(
        request,
        "shipments/shipment.html",
        status_code=status_code,
        user=user,
        shipment=shipment,
        req=equipment,
        partner=session.get_one(Organization, shipment.partner_id),
        workshop=session.get_one(Organization, shipment.workshop_id),
        devices=devices,
        to_pick=to_pick,
        can_pick=can_ship and preparing,
        can_confirm=request_policy.may_receive(user, shipment.partner_id)
        and shipment.status is ShipmentStatus.DISPATCHED,
        receives=request_policy.may_receive(user, shipment.partner_id),
        # Issued once the parcel leaves (the note lists what was dispatched).
        note_url=DELIVERY_NOTE.format(id=shipment.id)
        if shipment.status in (ShipmentStatus.DISPATCHED, ShipmentStatus.DELIVERED)
        else None,
        receipt=receipt or Receipt(),
        reasons=MISSING_REASONS,
        outcomes=OUTCOMES,
        done=translate(request, DONE[done]) if done in DONE else None,
        scanned=found,
        scan_error=scan_error,
        error=error,
        delivered_status=DeviceStatus.DELIVERED,
        local_time=local_time,
    )


@router.get("/shipments/{shipment_id}", response_class=HTMLResponse)
def show_shipment(
    request: Request,
    session: SessionDep,
    user: WebUser,
    shipment_id: IdPath,
    done: Annotated[str, Query(max_length=20)] = "",
    picked: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """One shipment: its devices, and picking, dispatch or the delivery confirmation."""
    shipment = service.get_shipment(session, viewer=user, shipment_id=shipment_id)
    return shipment_page(request, session, user, shipment, done=done, scanned=picked or None)


@router.post("/shipments/{shipment_id}/pick", dependencies=[Depends(require_csrf)])
def pick(
    request: Request, session: SessionDep, user: WebUser, shipment_id: IdPath, form: FormDep
) -> Response:
    """Put a scanned device in the parcel; a refusal names the device and the request it is for."""
    shipment = service.get_shipment(session, viewer=user, shipment_id=shipment_id)
    try:
        with session.begin_nested():
            device = service.pick_device(
                session, viewer=user, shipment=shipment, raw_code=form_text(form, "code")
            )
    except CollecteError as exc:
        return shipment_page(
            request,
            session,
            user,
            shipment,
            scan_error=exc.message(request_language(request)),
            status_code=exc.status_code,
        )
    return redirect(f"/shipments/{shipment.id}?picked={device.code}")


@router.post("/shipments/{shipment_id}/dispatch", dependencies=[Depends(require_csrf)])
def dispatch(request: Request, session: SessionDep, user: WebUser, shipment_id: IdPath) -> Response:
    """Send the parcel: its devices are shipped."""
    shipment = service.get_shipment(session, viewer=user, shipment_id=shipment_id)

    def refused(refusal: Refusal) -> Response:
        return shipment_page(
            request, session, user, shipment, error=refusal.error, status_code=refusal.status_code
        )

    return act_in_savepoint(
        request,
        session,
        action=lambda: service.dispatch_shipment(session, viewer=user, shipment=shipment),
        done_url=f"/shipments/{shipment.id}?done=dispatched",
        refused=refused,
    )


def _receipt(form: FormDep, shipped: set[str]) -> Receipt:
    """The confirmation form as posted, about this shipment's devices only."""
    received = {c for c in form.getlist("received") if isinstance(c, str) and c in shipped}
    return Receipt(
        received=received,
        outcomes={c: form_text(form, f"outcome_{c}") for c in shipped},
        reasons={c: form_text(form, f"reason_{c}") for c in shipped},
    )


@router.post("/shipments/{shipment_id}/deliver", dependencies=[Depends(require_csrf)])
def deliver(
    request: Request, session: SessionDep, user: WebUser, shipment_id: IdPath, form: FormDep
) -> Response:
    """Tick a scanned device as received (nothing written), or confirm the delivery: the ticked
    devices are delivered, each other one returned or lost, with its reason."""
    shipment = service.get_shipment(session, viewer=user, shipment_id=shipment_id)
    request_policy.require_receive(user, shipment.partner_id)
    shipped = {device.code for _a, device in service.shipment_devices(session, shipment.id)}
    receipt = _receipt(form, shipped)
    again = partial(shipment_page, request, session, user, shipment, receipt=receipt)
    if form_text(form, "op") != "confirm":  # Enter in the scan box
        raw = form_text(form, "code")
        if not raw:
            return again()
        try:
            code = parse_scanned(raw)
        except CollecteError as exc:
            return again(scan_error=exc.message(request_language(request)), status_code=422)
        if code not in shipped:
            text = translate(request, N_("device %(code)s is not in this shipment"))
            return again(scan_error=text % {"code": codes.format_code(code)}, status_code=409)
        receipt.received.add(code)
        return again(scanned=code)
    missing = [
        Missing(
            device_code=code,
            outcome="lost" if receipt.outcomes[code] == "lost" else "returned",
            reason=receipt.reasons[code]
            if receipt.reasons[code] in MISSING_REASONS
            else next(iter(MISSING_REASONS)),
        )
        for code in sorted(shipped - receipt.received)
    ]

    def refused(refusal: Refusal) -> Response:
        return again(error=refusal.error, status_code=refusal.status_code)

    return act_in_savepoint(
        request,
        session,
        action=lambda: service.deliver_shipment(
            session,
            viewer=user,
            shipment=shipment,
            device_codes=sorted(receipt.received),
            missing=missing,
        ),
        done_url=f"/shipments/{shipment.id}?done=delivered",
        refused=refused,
    )
