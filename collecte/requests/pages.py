"""Request pages: the list (a partner's own requests, the workshop's queue), the request form,
and the "allocate all" preview and run.

The request page and its actions live in ``pages_request``; its routes are included at the end,
after ``/requests/new`` and ``/requests/allocate``, so neither is ever read as a request id.
Every list and page reads through ``policy.visible_requests``; every form calls the service the
JSON API calls, inside a savepoint, and redirects (303) on success.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from collecte.auth.deps import WebUser
from collecte.auth.models import Role, User
from collecte.auth.policy import plans
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError
from collecte.core.forms import FormDep, local_date, translate
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, require_csrf
from collecte.devices.checklists import Category
from collecte.orgs.models import Organization, OrgKind
from collecte.orgs.policy import visible_organizations
from collecte.requests import allocating, pages_request, policy, service
from collecte.requests.lifecycle import OPEN, RequestStatus
from collecte.requests.models import EquipmentRequest
from collecte.requests.pages_forms import (
    MAX_ROWS,
    RequestForm,
    empty_form,
    message,
    read_request_form,
    request_label,
    validate_request,
)
from collecte.requests.pages_request import planned_rows
from collecte.requests.router import requests_out
from collecte.requests.schemas import PartnerGrade

router = APIRouter(include_in_schema=False)

SHOWN = 100  # the rows of a long list; the count says how many there are
DONE = {
    "allocated": N_("Allocation run: %(count)s devices bound to approved requests."),
    "approved": N_("The request is approved: it joins the allocation queue."),
}
# The queue's filters: the open ones together, each status, or everything; named as lists of
# requests ("to decide"), not as one request's status ("submitted").
FILTERS = ("open", *(s.value for s in RequestStatus), "all")
FILTER_LABELS = {
    "open": N_("Open"),
    "submitted": N_("To decide"),
    "approved": N_("Being served"),
    "rejected": N_("Turned down"),
    "closed": N_("Served"),
    "cancelled": N_("Called off"),
    "all": N_("All requests"),
}
# A partner waits for the workshop's answer where the workshop has a decision to take.
PARTNER_LABELS = {**FILTER_LABELS, "submitted": N_("Awaiting an answer")}


def _statuses(chosen: str) -> tuple[RequestStatus, ...]:
    if chosen == "open":
        return tuple(s for s in RequestStatus if s in OPEN)
    if chosen == "all":
        return tuple(RequestStatus)
    return (RequestStatus(chosen),)


@router.get("/requests", response_class=HTMLResponse)
def request_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    status: Annotated[str, Query(max_length=20)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
    count: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    """A partner's requests, or the workshop's queue of the requests it may read, by status."""
    staff = user.role is not Role.PARTNER
    chosen = status if status in FILTERS else ("open" if staff else "all")
    visible = policy.visible_requests(user)
    counts = dict(
        session.execute(
            visible.with_only_columns(EquipmentRequest.status, func.count()).group_by(
                EquipmentRequest.status
            )
        ).all()
    )
    query = visible.where(EquipmentRequest.status.in_(_statuses(chosen)))
    if chosen in ("open", RequestStatus.SUBMITTED.value, RequestStatus.APPROVED.value):
        # A queue: the oldest first (approved ones are allocated oldest approval first).
        query = query.order_by(
            EquipmentRequest.approved_at.is_not(None),
            EquipmentRequest.approved_at,
            EquipmentRequest.requested_at,
            EquipmentRequest.id,
        )
    else:
        query = query.order_by(EquipmentRequest.id.desc())
    found = list(session.scalars(query.options(selectinload(EquipmentRequest.lines)).limit(SHOWN)))
    decidable = {r.id for r in found if policy.may_decide(user, r)}
    done_text = translate(request, DONE[done]) % {"count": count} if done in DONE else None
    return render(
        request,
        "requests/list.html",
        user=user,
        staff=staff,
        rows=requests_out(session, found),
        chosen=chosen,
        filters={
            f: translate(request, (FILTER_LABELS if staff else PARTNER_LABELS)[f]) for f in FILTERS
        },
        counts={s.value: counts.get(s, 0) for s in RequestStatus},
        open_count=sum(counts.get(s, 0) for s in OPEN),
        total=sum(counts.values()),
        shown=SHOWN,
        decidable=decidable,
        can_submit=policy.may_submit(user),
        can_allocate=plans(user),
        done=done_text,
        rlabel=request_label,
        local_date=local_date,
    )


# --- the request form ----------------------------------------------------------------------------


def _form_page(
    request: Request,
    session: Session,
    user: User,
    data: RequestForm,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    partners: list[Organization] = []
    if not policy.files_for_itself(user):
        # The operator files for a partner without a computer: any partner of the network.
        query = visible_organizations(user).where(Organization.kind == OrgKind.PARTNER)
        partners = list(session.scalars(query))
    return render(
        request,
        "requests/form.html",
        status_code=status_code,
        user=user,
        # One flat mapping, as the fields are named: line_0_category…
        values={
            **data.values,
            **{f"line_{i}_{k}": v for i, row in enumerate(data.rows) for k, v in row.items()},
        },
        rows=data.rows,
        errors=data.errors,
        error=error,
        partners=partners,
        categories=list(Category),
        grades=list(reversed(PartnerGrade)),
        max_rows=MAX_ROWS,
    )


@router.get("/requests/new", response_class=HTMLResponse)
def request_form(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    """The form a partner fills to ask for devices (the operator may file for a partner)."""
    policy.require_submit(user)
    return _form_page(request, session, user, empty_form())


@router.post("/requests/new", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def submit(request: Request, session: SessionDep, user: WebUser, form: FormDep) -> Response:
    """Send the request, or re-draw the form with a row added or removed."""
    policy.require_submit(user)
    data = read_request_form(form)
    if form.get("op") not in (None, "", "send"):
        return _form_page(request, session, user, data)  # a row added or removed: nothing sent
    body = validate_request(request, data, partner_field=not policy.files_for_itself(user))
    if body is None:
        return _form_page(request, session, user, data, status_code=422)
    try:
        with session.begin_nested():
            created = service.submit_request(session, viewer=user, data=body)
    except CollecteError as exc:
        return _form_page(
            request, session, user, data, error=message(request, exc), status_code=exc.status_code
        )
    return redirect(f"/requests/{created.id}?done=submitted")


# --- allocate all --------------------------------------------------------------------------------


@router.get("/requests/allocate", response_class=HTMLResponse)
def allocation_preview(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    """What an "allocate all" run would bind now, request by request (nothing is bound)."""
    planned = allocating.preview_all(session, viewer=user)
    names = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({item.request.partner_id for item in planned})
            )
        ).all()
    )
    return render(
        request,
        "requests/allocate.html",
        user=user,
        planned=planned_rows(session, planned),
        partners=names,
        bound=sum(len(item.device_ids) for item in planned),
        unfilled=sum(item.unfilled for item in planned),
        rlabel=request_label,
    )


@router.post("/requests/allocate", dependencies=[Depends(require_csrf)])
def allocate_all(session: SessionDep, user: WebUser) -> Response:
    """Run the allocation over every approved request, oldest approval first, best fit."""
    run = allocating.allocate_all(session, viewer=user)
    return redirect(f"/requests?status=approved&done=allocated&count={run.allocated}")


router.include_router(pages_request.router)  # after /requests/new and /requests/allocate
