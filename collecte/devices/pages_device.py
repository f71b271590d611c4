"""The device page: what is known of a device, its history and records, and the workshop's forms.

Every form posts to its own route, calls the same service function as the JSON API inside a
savepoint, and on success redirects back (303). A refusal re-renders the page with the message
beside the form and what was typed kept; the savepoint drops any half-written record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.deps import SettingsDep, WebUser
from collecte.auth.models import User
from collecte.auth.policy import WORKSHOP_ROLES, sees_workshop_internals
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError, Reason
from collecte.core.forms import (
    FormDep,
    Refusal,
    act_in_savepoint,
    decimal,
    form_texts,
    local_time,
    translate,
)
from collecte.core.vocabulary import LABELS, N_
from collecte.core.web import redirect, render, request_language, require_csrf
from collecte.devices import certificates, codes, records, rules, service
from collecte.devices.checklists import CHECKLISTS, CheckItem
from collecte.devices.grading import COSMETIC_LEVELS, FUNCTIONAL_LEVELS, grade_for
from collecte.devices.lifecycle import IN_WORKSHOP, WEIGHED_EXITS, allowed_next
from collecte.devices.models import Device
from collecte.devices.policy import can_work_on
from collecte.devices.schemas import HoldIn, MoveIn, StorageAbsentIn, TransitionIn
from collecte.documents.router import pdf_response
from collecte.labels.router import DEFAULT_TEMPLATE, label_response
from collecte.labels.service import device_for_label, render_device_labels
from collecte.labels.titles import stock_choices
from collecte.orgs.models import Organization, Site
from collecte.orgs.policy import visible_sites
from collecte.pickups.models import Pickup
from collecte.pickups.policy import visible_pickups

router = APIRouter(include_in_schema=False)

DONE = {
    "intake": N_("Device received. Print its label now and stick it on the device."),
    "diagnosis": N_("Diagnosis recorded."),
    "erasure": N_("Erasure recorded."),
    "nwipe": N_("Erasure log imported."),
    "grade": N_("Grade recorded."),
    "repair": N_("Repair recorded."),
    "transition": N_("Status changed."),
    "hold": N_("The device is on hold."),
    "release": N_("The hold is lifted."),
    "move": N_("The device was moved."),
    "storage_absent": N_("Recorded: the device has no storage, so it needs no erasure."),
}


def check_label(item: CheckItem) -> str:
    """A checklist item's name to translate: its vocabulary entry, else the checklist's own words."""
    return LABELS.get(item.name, item.label)


def site_names(session: Session, ids: set[int]) -> dict[int, str]:
    """The names of these sites, by id."""
    if not ids:
        return {}
    return {s.id: s.name for s in session.scalars(select(Site).where(Site.id.in_(ids)))}


def _work_context(
    request: Request, session: Session, user: User, device: Device, facts: rules.DeviceFacts
) -> dict[str, Any]:
    """What the forms offer: next statuses (and why others are refused), checklist, sites…"""
    possible = rules.next_statuses(facts)
    blocked = [
        (status, reason.message(request_language(request)))
        for status in allowed_next(device.status)
        if status not in possible and (reason := rules.rule_against(status, facts))
    ]
    staff = select(User).where(
        User.organization_id == device.organization_id,
        User.active.is_(True),
        User.role.in_(WORKSHOP_ROLES),
    )
    return {
        "possible": possible,
        "blocked": blocked,
        "weighed_exits": WEIGHED_EXITS,
        "in_workshop": device.status in IN_WORKSHOP,
        "storage_unconfirmed": facts.carries_storage and not facts.erasure_recorded,
        "functional_levels": FUNCTIONAL_LEVELS,
        "cosmetic_levels": COSMETIC_LEVELS,
        "grade_matrix": [
            [grade_for(f, c).value for c in COSMETIC_LEVELS] for f in FUNCTIONAL_LEVELS
        ],
        "move_sites": [s for s in session.scalars(visible_sites(user)) if s.id != device.site_id],
        "verifiers": list(session.scalars(staff.order_by(User.email))),
    }


def _pickup_seen(session: Session, user: User, device: Device) -> Pickup | None:
    """The pickup the device came from, when the viewer may read it (``visible_pickups``): the
    page then links to it; to anyone else it stays unnamed."""
    if device.pickup_id is None:
        return None
    query = visible_pickups(user).where(Pickup.id == device.pickup_id)
    return session.scalars(query).first()


def device_page(
    request: Request,
    session: Session,
    user: User,
    device: Device,
    *,
    done: str | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
    error: str | None = None,
    problems: list[str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The device page; after a refused form, with its message and the user's input."""
    events = list(reversed(service.device_events(session, device)))
    found = records.device_records(session, device)
    sees_staff = sees_workshop_internals(user)
    people: dict[int, str] = {}
    if sees_staff:
        people = service.people_names(
            session,
            {e.actor_id for e in events}
            | {r.technician_id for kind in ("diagnoses", "grades", "repairs") for r in found[kind]}
            | {i for r in found["erasures"] for i in (r.operator_id, r.verifier_id)},
        )
    site_ids = {device.site_id} | {
        int(e.payload[k])
        for e in events
        if e.kind == "move"
        for k in ("from_site_id", "to_site_id")
        if isinstance(e.payload.get(k), int)
    }
    can_work = can_work_on(user, device)
    facts = rules.device_facts(session, device)
    return render(
        request,
        "devices/device.html",
        status_code=status_code,
        user=user,
        device=device,
        code_display=codes.format_code(device.code),
        donor=session.get(Organization, device.donor_id) if device.donor_id else None,
        pickup=_pickup_seen(session, user, device),
        site_names=site_names(session, site_ids) if sees_staff else {},
        sees_staff=sees_staff,
        events=events,
        records=found,
        people=people,
        local_time=local_time,
        done=translate(request, DONE[done]) if done in DONE else None,
        just_received=done == "intake",
        checklist=[
            (item, translate(request, check_label(item))) for item in CHECKLISTS[device.category]
        ],
        carries_storage=facts.carries_storage,
        certificate_ready=facts.carries_storage and facts.erasure_cleared,
        templates=stock_choices(),
        default_template=DEFAULT_TEMPLATE,
        can_work=can_work,
        form=form,
        values=values or {},
        error=error,
        problems=problems or [],
        errors=errors or {},
        **(_work_context(request, session, user, device, facts) if can_work else {}),
    )


@router.get("/devices/{code}", response_class=HTMLResponse)
def show_device(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: str,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One device: identity, status, history, records and (for the workshop) what to do next."""
    device = service.get_device(session, viewer=user, raw_code=code)
    if code != device.code:  # scanner text or a grouped code: go to the one address of the page
        return redirect(f"/devices/{device.code}")
    return device_page(request, session, user, device, done=done)


def act_on_device(
    request: Request,
    session: Session,
    user: User,
    device: Device,
    *,
    form: str,
    values: dict[str, str],
    action: Callable[[], object],
    renamed: dict[str, str] | None = None,
) -> Response:
    """Run one form's service call in a savepoint: redirect on success, the page again if refused."""

    def describe(exc: CollecteError) -> Refusal:
        language = request_language(request)
        listed = exc.params.get("problems")
        if not isinstance(listed, list) or not listed:
            return Refusal(exc.status_code, exc.message(language))
        return Refusal(
            exc.status_code,
            translate(request, N_("Some checklist answers are missing or invalid:")),
            problems=[p.message(language) if isinstance(p, Reason) else str(p) for p in listed],
        )

    def refused(refusal: Refusal) -> Response:
        return device_page(
            request,
            session,
            user,
            device,
            form=form,
            values=values,
            error=refusal.error,
            errors=refusal.errors,
            problems=refusal.problems,
            status_code=refusal.status_code,
        )

    return act_in_savepoint(
        request,
        session,
        action=action,
        done_url=f"/devices/{device.code}?done={form}",
        refused=refused,
        describe=describe,
        renamed=renamed,
    )


@router.post("/devices/{code}/transition", dependencies=[Depends(require_csrf)])
def transition(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Change the status (the same rules as everywhere: table, data protection, grade, hold)."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    values = form_texts(form, ("to", "note", "weight_kg"))

    def act() -> None:
        data = {"to": values["to"], "note": values["note"]}
        if values["weight_kg"]:
            data["weight_kg"] = decimal(values["weight_kg"])
        body = TransitionIn.model_validate(data)
        service.transition_device(
            session,
            device=device,
            actor=user,
            to=body.to,
            note=body.note,
            weight_kg=body.weight_kg,
        )

    return act_on_device(
        request, session, user, device, form="transition", values=values, action=act
    )


@router.post("/devices/{code}/storage-absent", dependencies=[Depends(require_csrf)])
def storage_absent(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Record that the device has no storage (opened and checked): it needs no erasure."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    values = form_texts(form, ("note",))

    def act() -> None:
        body = StorageAbsentIn.model_validate(values)
        service.record_storage_absent(session, device=device, actor=user, note=body.note)

    return act_on_device(
        request, session, user, device, form="storage_absent", values=values, action=act
    )


@router.post("/devices/{code}/hold", dependencies=[Depends(require_csrf)])
def hold(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Put the device on hold, with a reason."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    values = form_texts(form, ("reason",))

    def act() -> None:
        body = HoldIn.model_validate(values)
        service.hold_device(session, device=device, actor=user, reason=body.reason)

    return act_on_device(request, session, user, device, form="hold", values=values, action=act)


@router.post("/devices/{code}/release", dependencies=[Depends(require_csrf)])
def release(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Lift the hold."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    values = form_texts(form, ("note",))

    def act() -> None:
        service.release_device(session, device=device, actor=user, note=values["note"])

    return act_on_device(request, session, user, device, form="release", values=values, action=act)


@router.post("/devices/{code}/move", dependencies=[Depends(require_csrf)])
def move(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Move the device to another site of its workshop."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    values = form_texts(form, ("site_id", "note"))

    def act() -> None:
        body = MoveIn.model_validate({"site_id": values["site_id"] or None, "note": values["note"]})
        service.move_device(
            session, device=device, actor=user, site_id=body.site_id, note=body.note
        )

    return act_on_device(request, session, user, device, form="move", values=values, action=act)


# --- downloads (the JSON API's equivalents need a bearer token) -------------------------------


@router.get("/devices/{code}/label")
def device_label(
    session: SessionDep,
    user: WebUser,
    settings: SettingsDep,
    code: str,
    template: Annotated[str, Query(max_length=60)] = DEFAULT_TEMPLATE,
) -> Response:
    """The device's label on the chosen stock (PDF, or ZPL for a Zebra stock)."""
    device = device_for_label(session, viewer=user, raw_code=code)
    content, media_type = render_device_labels(
        session,
        devices=[device],
        template=template,
        skip=0,
        programme=settings.programme_name,
        base_url=settings.public_base_url,
    )
    return label_response(content, media_type, f"label-{device.code}")


@router.get("/devices/{code}/erasure-certificate.pdf")
def erasure_certificate(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep, code: str
) -> Response:
    """The device's erasure certificate (refused until its storage is verified erased)."""
    device = service.get_device(session, viewer=user, raw_code=code)
    issued = certificates.device_certificate(
        session, device=device, actor=user, settings=settings, language=request_language(request)
    )
    return pdf_response(issued, f"erasure-certificate-{device.code}.pdf")
