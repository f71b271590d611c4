"""The request page and what is done from it: approve, reject, cut or substitute a line, cancel,
preview then run the allocation, start a shipment.

Every route goes through ``service.get_request`` (``policy.visible_requests``): a request the
visitor may not read does not exist (404); one it reads but may not act on is refused by the
service (403), shown on the page like any other refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.deps import WebUser
from collecte.auth.models import User
from collecte.core.db import SessionDep
from collecte.core.forms import (
    FormDep,
    Refusal,
    act_in_savepoint,
    ascii_int,
    form_texts,
    local_date,
    local_time,
    translate,
)
from collecte.core.schemas import IdPath
from collecte.core.vocabulary import N_
from collecte.core.web import render, require_csrf, safe_next
from collecte.devices.checklists import Category
from collecte.devices.models import Device
from collecte.orgs.models import Organization
from collecte.requests import allocating, binding, policy, service
from collecte.requests.allocating import PlannedLine
from collecte.requests.lifecycle import OPEN, CancelReason, RequestStatus
from collecte.requests.models import EquipmentRequest
from collecte.requests.pages_forms import message, request_label
from collecte.requests.router import requests_out
from collecte.requests.schemas import CancelIn, DecisionIn, LineChangeIn, RejectIn
from collecte.shipments.models import Shipment
from collecte.shipments.policy import visible_shipments

router = APIRouter(include_in_schema=False)

DONE = {
    "submitted": N_("Your request is sent. The workshop will answer it here."),
    "approve": N_("The request is approved: it joins the allocation queue."),
    "reject": N_("The request is rejected; the partner reads the reason."),
    "cancel": N_("The request is cancelled; its devices not yet dispatched are back in stock."),
    "line": N_("The line is changed; its history keeps the original."),
    "allocate": N_("The allocation ran: the devices below are bound to this request."),
}


def planned_rows(session: Session, planned: Sequence[PlannedLine]) -> list[dict[str, Any]]:
    """A plan with its devices read, for the preview tables."""
    ids = [device_id for item in planned for device_id in item.device_ids]
    devices = {d.id: d for d in session.scalars(select(Device).where(Device.id.in_(ids)))}
    return [
        {
            "request": item.request,
            "line": item.line,
            "need": item.need,
            "devices": [devices[i] for i in item.device_ids],
            "unfilled": item.unfilled,
        }
        for item in planned
    ]


def request_page(
    request: Request,
    session: Session,
    user: User,
    equipment: EquipmentRequest,
    *,
    done: str | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The request page; after a refused form, with its messages and what was typed."""
    can_decide = policy.may_decide(user, equipment)
    can_ship = policy.may_ship(user, equipment)
    approved = equipment.status is RequestStatus.APPROVED
    preview = (
        planned_rows(session, allocating.preview_request(session, viewer=user, request=equipment))
        if can_decide and approved
        else []
    )
    bound = binding.active_bindings(session, equipment.id)
    shipments = list(
        session.scalars(
            visible_shipments(user)
            .where(Shipment.request_id == equipment.id)
            .order_by(Shipment.id.desc())
        )
    )
    return render(
        request,
        "requests/request.html",
        status_code=status_code,
        user=user,
        req=equipment,
        out=requests_out(session, [equipment])[0],
        partner=session.get_one(Organization, equipment.partner_id),
        workshop=session.get_one(Organization, equipment.workshop_id),
        can_decide=can_decide,
        can_change=can_decide and equipment.status in OPEN,
        can_cancel=policy.may_cancel(user, equipment) and equipment.status in OPEN,
        can_ship=can_ship and approved,
        to_pick=[d for a, d in bound if a.shipment_id is None],
        preview=preview,
        shipments=shipments,
        categories=list(Category),
        cancel_reasons=list(CancelReason),
        done=translate(request, DONE[done]) if done in DONE else None,
        form=form,
        values=values or {},
        errors=errors or {},
        error=error,
        rlabel=request_label,
        local_date=local_date,
        local_time=local_time,
    )


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def show_request(
    request: Request,
    session: SessionDep,
    user: WebUser,
    request_id: IdPath,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """One request: its lines and what each got, and what the visitor may do next."""
    equipment = service.get_request(session, viewer=user, request_id=request_id)
    return request_page(request, session, user, equipment, done=done)


def _act(
    request: Request,
    session: Session,
    user: User,
    equipment: EquipmentRequest,
    *,
    form: str,
    values: dict[str, str],
    action: Callable[[], object],
    done_url: str | None = None,
) -> Response:
    """Run one form's service call in a savepoint: redirect on success, the page again if refused."""

    def refused(refusal: Refusal) -> Response:
        return request_page(
            request,
            session,
            user,
            equipment,
            form=form,
            values=values,
            errors=refusal.errors,
            error=refusal.error,
            status_code=refusal.status_code,
        )

    return act_in_savepoint(
        request,
        session,
        action=action,
        done_url=done_url or f"/requests/{equipment.id}?done={form}",
        refused=refused,
        describe=lambda exc: Refusal(exc.status_code, message(request, exc)),
    )


@router.post("/requests/{request_id}/approve", dependencies=[Depends(require_csrf)])
def approve(
    request: Request, session: SessionDep, user: WebUser, request_id: IdPath, form: FormDep
) -> Response:
    """Accept the request, with an optional note (from its page or from the queue)."""
    equipment = service.get_request(session, viewer=user, request_id=request_id)
    values = form_texts(form, ("note", "next"))
    back = safe_next(values["next"]) if values["next"] else None

    def act() -> None:
        body = DecisionIn.model_validate({"note": values["note"]})
        service.approve_request(session, viewer=user, request=equipment, note=body.note)

    done_url = f"{back}{'&' if '?' in back else '?'}done=approved" if back else None
    return _act(
        request,
        session,
        user,
        equipment,
        form="approve",
        values=values,
        action=act,
        done_url=done_url,
    )


@router.post("/requests/{request_id}/reject", dependencies=[Depends(require_csrf)])
def reject(
    request: Request, session: SessionDep, user: WebUser, request_id: IdPath, form: FormDep
) -> Response:
    """Turn the request down, with the reason the partner reads."""
    equipment = service.get_request(session, viewer=user, request_id=request_id)
    values = form_texts(form, ("reason",))

    def act() -> None:
        body = RejectIn.model_validate(values)
        service.reject_request(session, viewer=user, request=equipment, reason=body.reason)

    return _act(request, session, user, equipment, form="reject", values=values, action=act)


@router.post("/requests/{request_id}/cancel", dependencies=[Depends(require_csrf)])
def cancel(
    request: Request, session: SessionDep, user: WebUser, request_id: IdPath, form: FormDep
) -> Response:
    """Cancel the request with a reason code; its devices not yet dispatched go back to stock."""
    equipment = service.get_request(session, viewer=user, request_id=request_id)
    values = form_texts(form, ("reason", "note"))

    def act() -> None:
        body = CancelIn.model_validate(values)
        service.cancel_request(
            session, viewer=user, request=equipment, reason=body.reason, note=body.note
        )

    return _act(request, session, user, equipment, form="cancel", values=values, action=act)


@router.post("/requests/{request_id}/lines/{line_id}", dependencies=[Depends(require_csrf)])
def change_line(
    request: Request,
    session: SessionDep,
    user: WebUser,
    request_id: IdPath,
    line_id: IdPath,
    form: FormDep,
) -> Response:
    """Cut a line's quantity or substitute its category, with a reason."""
    equipment = service.get_request(session, viewer=user, request_id=request_id)
    values = form_texts(form, ("quantity", "category", "reason"))
    prefixed = {f"line_{line_id}_{name}": value for name, value in values.items()}
    errors = {}
    quantity: int | None = None
    if values["quantity"]:
        quantity = ascii_int(values["quantity"], low=0, high=1000)
        if quantity is None:
            errors[f"line_{line_id}_quantity"] = translate(
                request, N_("Enter a whole number, 0 or more.")
            )
    if errors:
        return request_page(
            request,
            session,
            user,
            equipment,
            form=f"line-{line_id}",
            values=prefixed,
            errors=errors,
            error=translate(request, N_("Some fields need correcting.")),
            status_code=422,
        )

    def act() -> None:
        body = LineChangeIn.model_validate(
            {
                "quantity": quantity,
                "category": values["category"] or None,
                "reason": values["reason"],
            }
        )
        service.change_line(session, viewer=user, request=equipment, line_id=line_id, change=body)

    def refused(refusal: Refusal) -> Response:
        return request_page(
            request,
            session,
            user,
            equipment,
            form=f"line-{line_id}",
            values=prefixed,
            errors={f"line_{line_id}_{k}": v for k, v in refusal.errors.items()},
            error=refusal.error,
            status_code=refusal.status_code,
        )

    return act_in_savepoint(
        request,
        session,
        action=act,
        done_url=f"/requests/{equipment.id}?done=line",
        refused=refused,
        describe=lambda exc: Refusal(exc.status_code, message(request, exc)),
    )


@router.post("/requests/{request_id}/allocate", dependencies=[Depends(require_csrf)])
def allocate(request: Request, session: SessionDep, user: WebUser, request_id: IdPath) -> Response:
    """Bind the best-fitting devices in stock to this request's lines (what the preview showed,
    unless the stock moved meanwhile)."""
    equipment = service.get_request(session, viewer=user, request_id=request_id)
    return _act(
        request,
        session,
        user,
        equipment,
        form="allocate",
        values={},
        action=lambda: allocating.allocate_request(session, viewer=user, request=equipment),
    )
