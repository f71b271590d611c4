"""The scan station: one input a keyboard-wedge scanner types into, a sticky action mode, and
colour and sound feedback. The page posts each scan as JSON (session cookie + X-CSRF-Token
header) to ``/scan/submit``, which calls the scanning service the JSON API calls, or, in the
"allocate to request N" mode, ``allocating.allocate_device`` (what ``POST
/api/v1/requests/{id}/devices`` calls)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from collecte.auth.deps import WebUser, web_user
from collecte.auth.models import User
from collecte.auth.policy import plans
from collecte.core import i18n
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError, InvalidInput
from collecte.core.forms import translate
from collecte.core.schemas import IdField
from collecte.core.vocabulary import N_, label
from collecte.core.web import render, request_language, require_csrf_header
from collecte.devices import codes, scanning
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.pages_forms import action_label
from collecte.devices.schemas import DeviceOut, ScanIn
from collecte.devices.service import get_device
from collecte.labels.router import DEFAULT_TEMPLATE
from collecte.labels.titles import stock_choices
from collecte.orgs.models import Organization
from collecte.orgs.policy import visible_sites
from collecte.requests import allocating
from collecte.requests import policy as request_policy
from collecte.requests import service as request_service
from collecte.requests.lifecycle import RequestStatus
from collecte.requests.models import Allocation, EquipmentRequest

router = APIRouter(include_in_schema=False)

# The status changes a scan station is used for; the others follow a record or a shipment.
STATION_STATUSES = (
    DeviceStatus.IN_REPAIR,
    DeviceStatus.AVAILABLE,
    DeviceStatus.PARTS,
    DeviceStatus.RECYCLED,
    DeviceStatus.LOST,
    DeviceStatus.RETURNED,
)
# What the page's script says, in the visitor's language.
MESSAGES = {
    "applied": N_("Done:"),
    "queued": N_("Added to the labels to print"),
    "duplicate_short": N_("Already scanned"),
    "invalid_short": N_("Invalid code"),
    "unknown_short": N_("Unknown code"),
    "found": N_("Found"),
    "duplicate": N_("Already scanned: this scan was not applied twice"),
    "invalid_code": N_(
        "Invalid code: this is not a device code (misread or mistyped). Scan again."
    ),
    "not_found": N_("Unknown code: no device with this code in your workshop."),
    "refused": N_("Refused"),
    "session": N_(
        "Your session has ended or the page is out of date: reload the page and sign in."
    ),
    "network": N_("No answer from the server: this scan was not recorded."),
    "need_reason": N_("Type the reason for the hold first."),
    "need_site": N_("Choose the site to move devices to first."),
    "need_request": N_("Choose the request to allocate devices to first."),
    "lookup": N_("Look up only"),
    "ok": N_("OK"),
    "open": N_("Open the device page"),
    "next_actions": N_("Possible now:"),
}


class StationScanIn(ScanIn):
    """A scan from the station's page: the API's scan, or the "allocate" mode's request."""

    request_id: IdField | None = None


def _allocatable(session: Session, user: User) -> list[tuple[EquipmentRequest, str]]:
    """The approved requests the station may allocate to (the viewer decides on them), oldest
    approval first, with their partner's name."""
    if not plans(user):
        return []
    query = (
        request_policy.visible_requests(user)
        .where(EquipmentRequest.status == RequestStatus.APPROVED)
        .options(selectinload(EquipmentRequest.lines))
        .order_by(EquipmentRequest.approved_at, EquipmentRequest.id)
        .limit(200)
    )
    found = [r for r in session.scalars(query) if request_policy.may_decide(user, r)]
    names = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({r.partner_id for r in found})
            )
        ).all()
    )
    return [(r, names.get(r.partner_id, "")) for r in found]


@router.get("/scan", response_class=HTMLResponse)
def scan_station(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    """The scan station page."""
    scanning.require_scan_role(user)
    return render(
        request,
        "devices/scan.html",
        user=user,
        sites=list(session.scalars(visible_sites(user))),
        statuses=STATION_STATUSES,
        templates=stock_choices(),
        default_template=DEFAULT_TEMPLATE,
        allocatable=_allocatable(session, user),
        can_allocate=plans(user),
        messages={key: translate(request, text) for key, text in MESSAGES.items()},
    )


def _allocate(session: Session, user: User, body: StationScanIn) -> scanning.ScanResult:
    """The "allocate to request N" mode: bind the scanned device to that request (the first line
    it meets); a device already bound to it is a repeat, not a refusal."""
    if body.request_id is None:
        raise InvalidInput("request_required", N_("the allocate action needs request_id"))
    equipment = request_service.get_request(session, viewer=user, request_id=body.request_id)
    device = get_device(session, viewer=user, raw_code=body.code)
    bound = session.scalar(
        select(Allocation.request_id).where(
            Allocation.device_id == device.id, Allocation.ended_at.is_(None)
        )
    )
    duplicate = bound == equipment.id
    if not duplicate:
        allocating.allocate_device(session, viewer=user, request=equipment, raw_code=body.code)
    return scanning.ScanResult(
        device=DeviceOut.model_validate(device),
        allowed_actions=scanning.allowed_actions(session, device),
        applied=None if duplicate else "allocate",
        duplicate=duplicate,
    )


# The user is checked before the CSRF header, so an expired session answers 401, not 403.
@router.post("/scan/submit", dependencies=[Depends(web_user), Depends(require_csrf_header)])
def scan_submit(
    request: Request, body: StationScanIn, session: SessionDep, user: WebUser
) -> JSONResponse:
    """Look up a scanned code and apply the station's action (once, even if scanned twice)."""
    scanning.require_scan_role(user)
    try:
        # A refused action leaves nothing behind (not even the scan), and the answer keeps the
        # API's {"error", "detail"} shape with the detail in the user's language.
        with session.begin_nested():
            if body.action == "allocate":
                result = _allocate(session, user, body)
            else:
                result = scanning.scan_code(
                    session,
                    viewer=user,
                    raw_code=body.code,
                    action=body.action,
                    site_id=body.site_id,
                    reason=body.reason,
                    note=body.note,
                )
    except CollecteError as exc:
        answer = {**exc.body(), "detail": exc.message(request_language(request))}
        return JSONResponse(answer, status_code=exc.status_code, headers=exc.headers())
    device = result.device
    token = i18n.current_language.set(request_language(request))  # for the labels below
    try:
        applied_label = None
        if result.applied == "allocate":
            applied_label = translate(request, N_("allocated to request no. %(id)s")) % {
                "id": body.request_id
            }
        elif result.applied:
            applied_label = action_label(result.applied)
        answer = {
            "device": {
                "code": device.code,
                "code_display": codes.format_code(device.code),
                "status": device.status.value,
                "status_label": label(device.status),
                "category": device.category.value,
                "category_label": label(device.category),
                "brand": device.brand,
                "model": device.model,
                "serial": device.serial,
                "grade": device.grade.value if device.grade else None,
                "hold_reason": device.hold_reason,
                "url": f"/devices/{device.code}",
            },
            "allowed_actions": result.allowed_actions,
            "allowed_labels": [action_label(a) for a in result.allowed_actions],
            "applied": result.applied,
            "applied_label": applied_label,
            # A look-up applies nothing, so its repeat is the device shown again, never "not
            # applied twice" (the scan log still flags the repeat, as the API answers).
            "duplicate": result.duplicate and bool(body.action),
        }
    finally:
        i18n.current_language.reset(token)
    return JSONResponse(answer)
