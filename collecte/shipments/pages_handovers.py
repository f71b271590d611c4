"""The partner's hand-overs and returns: a delivered device given to a beneficiary (named by a
pseudonym of the partner's own), the hand-overs recorded so far, and a device sent back.

The device is scanned or typed first: a code alone (the scanner's Enter) shows which device it
is and moves on to the pseudonym, nothing written. Recording calls the services the JSON API
calls, which decide who may (``visible_devices`` first, then ``may_receive``).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from collecte.auth.deps import WebUser
from collecte.auth.models import User
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError
from collecte.core.forms import (
    FormDep,
    decimal,
    field_errors,
    form_texts,
    local_time,
    translate,
)
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, request_language, require_csrf
from collecte.devices import codes
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.policy import visible_devices
from collecte.devices.service import get_device
from collecte.requests import policy as request_policy
from collecte.shipments import handovers, service
from collecte.shipments.schemas import AgeBand, HandoverIn, ReturnIn, Situation

router = APIRouter(include_in_schema=False)

HANDOVER_FIELDS = (
    "device_code",
    "beneficiary_ref",
    "age_band",
    "situation",
    "postcode",
    "price_paid_eur",
)
RETURN_FIELDS = ("device_code", "reason", "personal_data_removed")
SHOWN = 100
DONE = {
    "handover": N_("The hand-over is recorded."),
    "returned": N_("The return is recorded: bring or send the device back to the workshop."),
}


def _refusal(
    request: Request, exc: ValidationError | CollecteError
) -> tuple[dict[str, str], str, int]:
    """A refusal as (errors by field, message, status)."""
    if isinstance(exc, ValidationError):
        error = translate(request, N_("Some fields need correcting."))
        return field_errors(request, exc), error, 422
    text = exc.message(request_language(request))
    # A device refused (unknown, not delivered, not yours) is said beside its code.
    return {"device_code": text}, text, exc.status_code


def handovers_page(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    device: Device | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The hand-over form, the devices waiting for one, and the hand-overs recorded."""
    receives = request_policy.receives(user)
    waiting = (
        list(
            session.scalars(
                visible_devices(user)
                .where(Device.status == DeviceStatus.DELIVERED)
                .order_by(Device.code)
                .limit(SHOWN)
            )
        )
        if receives
        else []
    )
    return render(
        request,
        "shipments/handovers.html",
        status_code=status_code,
        user=user,
        receives=receives,
        values=values or {},
        errors=errors or {},
        error=error,
        device=device,
        waiting=waiting,
        recorded=handovers.list_handovers(session, viewer=user, limit=SHOWN),
        age_bands=list(AgeBand),
        situations=list(Situation),
        done=translate(request, DONE[done]) if done in DONE else None,
        local_time=local_time,
    )


@router.get("/handovers", response_class=HTMLResponse)
def handover_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: Annotated[str, Query(max_length=40)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """Record a hand-over; the partner's hand-overs so far (nobody else's)."""
    return handovers_page(request, session, user, values={"device_code": code}, done=done)


@router.post("/handovers", dependencies=[Depends(require_csrf)])
def record_handover(
    request: Request, session: SessionDep, user: WebUser, form: FormDep
) -> Response:
    """Record that a delivered device went to a beneficiary; a code alone identifies the device."""
    values = form_texts(form, HANDOVER_FIELDS)
    again = partial(handovers_page, request, session, user, values=values)
    filled = {name for name, value in values.items() if value}
    if request_policy.receives(user) and filled == {"device_code"}:
        try:
            device = get_device(session, viewer=user, raw_code=values["device_code"])
        except CollecteError as exc:
            errors, _text, status = _refusal(request, exc)
            return again(errors=errors, status_code=status)
        values["device_code"] = codes.format_code(device.code)
        return again(device=device)
    data: dict[str, Any] = {k: v or None for k, v in values.items()}
    data["device_code"] = values["device_code"]
    data["beneficiary_ref"] = values["beneficiary_ref"]
    if values["price_paid_eur"]:
        data["price_paid_eur"] = decimal(values["price_paid_eur"])
    try:
        with session.begin_nested():
            handovers.record_handover(session, viewer=user, data=HandoverIn.model_validate(data))
    except (ValidationError, CollecteError) as exc:
        errors, text, status = _refusal(request, exc)
        return again(errors=errors, error=text, status_code=status)
    return redirect("/handovers?done=handover")


# --- returns -------------------------------------------------------------------------------------


def _return_page(
    request: Request,
    user: User,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "shipments/return.html",
        status_code=status_code,
        user=user,
        values=values,
        errors=errors or {},
        error=error,
    )


@router.get("/returns", response_class=HTMLResponse)
def return_form(
    request: Request, user: WebUser, code: Annotated[str, Query(max_length=40)] = ""
) -> HTMLResponse:
    """The form a partner fills to send a delivered or handed-over device back."""
    request_policy.require_receiver(user)
    return _return_page(request, user, {"device_code": code})


@router.post("/returns", dependencies=[Depends(require_csrf)])
def return_device(request: Request, session: SessionDep, user: WebUser, form: FormDep) -> Response:
    """Send the device back: it goes through the workshop again, storage erased, before reuse."""
    values = form_texts(form, RETURN_FIELDS)
    removed = {"yes": True, "no": False}.get(values["personal_data_removed"])
    try:
        body = ReturnIn.model_validate(
            {
                "device_code": values["device_code"],
                "reason": values["reason"],
                "personal_data_removed": removed,
            }
        )
        with session.begin_nested():
            service.return_device(
                session,
                viewer=user,
                raw_code=body.device_code,
                reason=body.reason,
                personal_data_removed=body.personal_data_removed,
            )
    except (ValidationError, CollecteError) as exc:
        errors, text, status = _refusal(request, exc)
        return _return_page(request, user, values, errors=errors, error=text, status_code=status)
    return redirect("/handovers?done=returned")
