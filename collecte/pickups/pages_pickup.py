"""The pickup page and what hangs off it: scheduling, collection, reconciliation, the donation
receipt data and the PDFs (the JSON API's PDF routes need a bearer token; these take the session).

Every page goes through ``service.get_pickup``: a pickup the visitor may not read does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.deps import SettingsDep, WebUser
from collecte.auth.models import User
from collecte.auth.policy import does_workshop_work
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError, Conflict
from collecte.core.forms import (
    FormDep,
    Refusal,
    act_in_savepoint,
    decimal,
    form_texts,
    local_date,
    local_time,
    translate,
)
from collecte.core.schemas import MAX_ID, IdPath
from collecte.core.vocabulary import N_
from collecte.core.web import render, request_language, require_csrf
from collecte.devices import codes
from collecte.devices.checklists import Category
from collecte.devices.models import Device
from collecte.devices.policy import visible_devices
from collecte.devices.rules import facts_for
from collecte.orgs.models import Organization, Site
from collecte.orgs.policy import visible_sites
from collecte.orgs.service import own_site
from collecte.pickups import policy, service
from collecte.pickups.models import DataDestruction, Pickup, PickupStatus
from collecte.pickups.pages_forms import (
    int_field,
    message,
    pickup_label,
    window_bounds,
    window_text,
)
from collecte.pickups.reports import donation_receipt_data
from collecte.pickups.router import (
    certificate_response,
    collect_as_recorded,
    proof_response,
    schedule_as_planned,
)
from collecte.pickups.schemas import CollectIn, ScheduleIn

router = APIRouter(include_in_schema=False)

DONE = {
    "booked": N_(
        "Your pickup request is sent. The workshop will schedule it and email the contact."
    ),
    "edited": N_("The pickup request is updated."),
    "cancel": N_("The pickup is cancelled."),
    "inventory": N_(
        "The inventory file is recorded: its serial numbers replace the previous ones."
    ),
    "schedule": N_("The pickup is scheduled; its contact is emailed the day and window."),
    "collect": N_("The collection is recorded; the collection proof can be downloaded."),
    "position": N_("The pickup's position is recorded; run sheets place it there."),
}
SCHEDULE_FIELDS = ("date", "window_start", "window_end", "site_id", "vehicle")
COLLECT_FIELDS = (
    "weight_kg",
    "released_by",
    "received_by",
    *(f"count_{category.value}" for category in Category),
)


def _form_defaults(session: Session, user: User, pickup: Pickup) -> dict[str, str]:
    """What the schedule and collect forms start with: the plan so far, or the donor's wishes."""
    first = window_bounds(pickup.windows[0]) if pickup.windows else None
    sites = list(session.scalars(visible_sites(user).limit(2)))
    values = {
        "date": pickup.scheduled_on.isoformat()
        if pickup.scheduled_on
        else (first[0].date().isoformat() if first else ""),
        "window_start": pickup.window_start or (f"{first[0]:%H:%M}" if first else ""),
        "window_end": pickup.window_end or (f"{first[1]:%H:%M}" if first else ""),
        "site_id": str(pickup.site_id or (sites[0].id if len(sites) == 1 else "")),
        "vehicle": pickup.vehicle,
        "weight_kg": f"{pickup.estimated_weight_kg:g}" if pickup.estimated_weight_kg else "",
        "released_by": pickup.contact_name,
        "received_by": user.full_name or user.email,
        "latitude": f"{pickup.latitude:.5f}" if pickup.latitude is not None else "",
        "longitude": f"{pickup.longitude:.5f}" if pickup.longitude is not None else "",
    }
    declared = pickup.declared_counts
    values.update({f"count_{c.value}": str(declared.get(c.value, 0)) for c in Category})
    return values


def _erasure_progress(session: Session, user: User, pickup: Pickup) -> tuple[int, int]:
    """Of this pickup's devices with storage (that the viewer sees), how many are verified erased."""
    ids = session.scalars(
        visible_devices(user).where(Device.pickup_id == pickup.id).with_only_columns(Device.id)
    )
    facts = [f for f in facts_for(session, ids).values() if f.carries_storage]
    return sum(1 for f in facts if f.erasure_cleared), len(facts)


def pickup_page(
    request: Request,
    session: Session,
    user: User,
    pickup: Pickup,
    *,
    done: str | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The pickup page; after a refused form, with its messages and what was typed."""
    can_schedule = policy.may_schedule(user, pickup)
    erased, with_storage = (
        _erasure_progress(session, user, pickup)
        if pickup.status is PickupStatus.COLLECTED
        else (0, 0)
    )
    return render(
        request,
        "pickups/pickup.html",
        status_code=status_code,
        user=user,
        pickup=pickup,
        donor=session.get_one(Organization, pickup.donor_id),
        site=session.get(Site, pickup.site_id) if pickup.site_id else None,
        windows=[window_text(w) for w in pickup.windows],
        declared=pickup.declared_counts,
        received_count=session.scalar(
            select(func.count()).select_from(Device).where(Device.pickup_id == pickup.id)
        ),
        erased=erased,
        with_storage=with_storage,
        certificate_wanted=pickup.data_destruction is DataDestruction.CERTIFICATE,
        can_change=policy.may_change(user, pickup),
        can_edit=policy.may_edit(user, pickup),
        can_cancel=policy.may_cancel(user, pickup),
        # Who reads a donor's reason: a workshop, or (none serves the place yet) the operator.
        workshop_reads=policy.seen_by_a_workshop(session, pickup),
        can_schedule=can_schedule,
        can_collect=policy.may_collect(user, pickup),
        can_position=policy.may_correct_position(user, pickup),
        can_read_run_sheet=policy.may_read_run_sheets(user),
        # Devices come in from a pickup under way (the intake checks it again).
        can_receive=does_workshop_work(user)
        and pickup.status in (PickupStatus.SCHEDULED, PickupStatus.COLLECTED),
        sites=list(session.scalars(visible_sites(user))) if can_schedule else [],
        vehicles=service.known_vehicles(session, viewer=user) if can_schedule else [],
        categories=list(Category),
        done=translate(request, DONE[done]) if done in DONE else None,
        form=form,
        values={**_form_defaults(session, user, pickup), **(values or {})},
        errors=errors or {},
        error=error,
        plabel=pickup_label,
        local_time=local_time,
    )


@router.get("/pickups/{pickup_id}", response_class=HTMLResponse)
def show_pickup(
    request: Request,
    session: SessionDep,
    user: WebUser,
    pickup_id: IdPath,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """One pickup: where, when, what, its plan and collection, its documents and what to do next."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    return pickup_page(request, session, user, pickup, done=done)


def act_on_pickup(
    request: Request,
    session: Session,
    user: User,
    pickup: Pickup,
    *,
    form: str,
    values: dict[str, str],
    action: Callable[[], object],
) -> Response:
    """Run one form's service call in a savepoint: redirect on success, the page again if refused."""

    def refused(refusal: Refusal) -> Response:
        return pickup_page(
            request,
            session,
            user,
            pickup,
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
        done_url=f"/pickups/{pickup.id}?done={form}",
        refused=refused,
        describe=lambda exc: Refusal(exc.status_code, message(request, exc)),
    )


@router.post("/pickups/{pickup_id}/schedule", dependencies=[Depends(require_csrf)])
def schedule(
    request: Request, session: SessionDep, user: WebUser, pickup_id: IdPath, form: FormDep
) -> Response:
    """Plan the pickup: the day, the window, the receiving site and the vehicle (coordinator)."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    values = form_texts(form, SCHEDULE_FIELDS)

    def act() -> None:
        body = ScheduleIn.model_validate(
            {k: v for k, v in values.items() if v or k not in ("date", "site_id")}
        )
        schedule_as_planned(session, viewer=user, pickup=pickup, plan=body)

    site_id = int_field(values["site_id"])
    if policy.may_schedule(user, pickup) and site_id and 0 < site_id <= MAX_ID:
        try:  # said beside the site field rather than at the top of the page
            own_site(session, viewer=user, site_id=site_id)
        except CollecteError:
            return pickup_page(
                request,
                session,
                user,
                pickup,
                form="schedule",
                values=values,
                errors={"site_id": translate(request, N_("Choose one of your workshop's sites."))},
                status_code=422,
            )
    return act_on_pickup(request, session, user, pickup, form="schedule", values=values, action=act)


@router.post("/pickups/{pickup_id}/collect", dependencies=[Depends(require_csrf)])
def collect(
    request: Request, session: SessionDep, user: WebUser, pickup_id: IdPath, form: FormDep
) -> Response:
    """Record what left the donor's premises: counts per category, weight, who released, received."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    values = form_texts(form, COLLECT_FIELDS)
    typed = {c.value: int_field(values[f"count_{c.value}"]) for c in Category}
    counts = {name: count for name, count in typed.items() if count is not None and count >= 0}
    wrong = {
        f"count_{name}": translate(request, N_("Enter a whole number, 0 or more."))
        for name in typed.keys() - counts.keys()
    }
    if wrong:
        return pickup_page(
            request,
            session,
            user,
            pickup,
            form="collect",
            values=values,
            errors=wrong,
            error=translate(request, N_("Some fields need correcting.")),
            status_code=422,
        )

    def act() -> None:
        data = {k: values[k] for k in ("released_by", "received_by")}
        if values["weight_kg"]:  # left out when blank, so that the schema says "required"
            data["weight_kg"] = decimal(values["weight_kg"])
        body = CollectIn.model_validate({**data, "counts": counts})
        collect_as_recorded(session, viewer=user, pickup=pickup, record=body)

    return act_on_pickup(request, session, user, pickup, form="collect", values=values, action=act)


# --- reconciliation and the donation receipt ----------------------------------------------------


@router.get("/pickups/{pickup_id}/reconciliation", response_class=HTMLResponse)
def reconciliation(
    request: Request, session: SessionDep, user: WebUser, pickup_id: IdPath
) -> HTMLResponse:
    """Declared against received, per category, and the serials missing or unexpected."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    report = service.reconciliation(session, pickup=pickup)
    devices = list(
        session.scalars(
            visible_devices(user).where(Device.pickup_id == pickup.id).order_by(Device.id)
        )
    )
    return render(
        request,
        "pickups/reconciliation.html",
        user=user,
        pickup=pickup,
        donor=session.get_one(Organization, pickup.donor_id),
        report=report,
        devices=devices,
        format_code=codes.format_code,
        local_date=local_date,
        plabel=pickup_label,
    )


@router.get("/pickups/{pickup_id}/receipt", response_class=HTMLResponse)
def receipt(
    request: Request, session: SessionDep, user: WebUser, pickup_id: IdPath
) -> HTMLResponse:
    """What the donor needs to fill in its Cerfa 2041-MEC-SD receipt (the value is its own)."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    try:
        data: dict[str, Any] | None = donation_receipt_data(session, pickup=pickup)
    except Conflict:  # not collected yet: the page says so
        data = None
    if data is not None:
        day = data["donation_date"]
        data["donation_date_display"] = (
            dt.date.fromisoformat(day).strftime("%d/%m/%Y") if day else "—"
        )
    return render(
        request,
        "pickups/receipt.html",
        status_code=409 if data is None else 200,
        user=user,
        pickup=pickup,
        receipt=data,
        plabel=pickup_label,
    )


# --- PDFs ------------------------------------------------------------------------------------------


@router.get("/pickups/{pickup_id}/collection-proof.pdf")
def proof_pdf(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep, pickup_id: IdPath
) -> Response:
    """The collection proof (bordereau) of a collected pickup."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    return proof_response(
        session, pickup=pickup, actor=user, settings=settings, language=request_language(request)
    )


@router.get("/pickups/{pickup_id}/erasure-certificate.pdf")
def certificate_pdf(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep, pickup_id: IdPath
) -> Response:
    """The pickup's batch erasure certificate (refused while any storage is not verified erased)."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    return certificate_response(
        session, pickup=pickup, actor=user, settings=settings, language=request_language(request)
    )
