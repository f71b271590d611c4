"""Device pages: the list, the intake form and the CSV import (the device page and the scan
station live in pages_device and pages_scan; their routes are included at the end, after
``/devices/new`` and ``/devices/import``, so those are never read as device codes)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from collecte.auth.deps import WebUser
from collecte.auth.models import User
from collecte.auth.policy import does_workshop_work, sees_workshop_internals
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError
from collecte.core.forms import (
    FormDep,
    ascii_int,
    decimal,
    field_errors,
    form_text,
    form_texts,
    form_upload,
    local_date,
    read_upload,
    translate,
)
from collecte.core.listing import choice, keyset_page
from collecte.core.schemas import MAX_ID
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, request_language, require_csrf
from collecte.devices import bulk, codes, pages_device, pages_records, pages_scan, service
from collecte.devices.checklists import Category
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.pages_forms import require_workshop_staff
from collecte.devices.policy import visible_devices
from collecte.devices.schemas import DeviceCreate
from collecte.labels.titles import stock_choices
from collecte.orgs.models import Organization, OrgKind
from collecte.orgs.policy import visible_organizations, visible_sites
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.policy import visible_pickups

router = APIRouter(include_in_schema=False)

# The intake form has the CSV's columns.
INTAKE_FIELDS = bulk.CSV_COLUMNS
# What the "next device" button keeps from one intake to the next.
STICKY_FIELDS = ("category", "site_id", "donor_id", "pickup_id", "has_storage")
SPEC_FIELDS = bulk.SPEC_COLUMNS
# The session remembers the last import's form id: sending the same form twice (a reload after
# the result page) must not receive the same devices twice.
IMPORT_DONE_KEY = "import_done"
ALREADY_IMPORTED = N_(
    "This form was already sent and its devices were received: nothing was imported again."
)
CSV_EXAMPLE = (
    "category,brand,model,serial,has_storage,weight_kg,ram_gb,storage_gb,cpu,screen_in\n"
    "laptop,Lenovo,ThinkPad T480,PF1ABC23,yes,1.6,8,256,Intel Core i5-8350U,14\n"
    "smartphone,Samsung,Galaxy A52,R58R1234567,yes,0.19,,128,,6.5\n"
    "monitor,Dell,P2419H,CN0ABC1234,no,5.2,,,,24\n"
)


@router.get("/devices", response_class=HTMLResponse)
def device_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    status: Annotated[str, Query(max_length=20)] = "",
    category: Annotated[str, Query(max_length=20)] = "",
    site_id: Annotated[str, Query(max_length=10)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    after: Annotated[str, Query(max_length=20)] = "",
    before: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The devices the user may see, newest first, with filters, search and pages of 50 (a page
    starts after the last device of the one before, or ends before the first of the one after)."""
    candidate = codes.normalise(q) if q else ""
    if codes.is_valid(candidate):
        # A scanned or typed code goes straight to its device when the user may see it.
        found = session.scalar(visible_devices(user).where(Device.code == candidate))
        if found is not None:
            return redirect(f"/devices/{found.code}")
    query = service.filtered_devices(
        viewer=user,
        status=choice(DeviceStatus, status),
        category=choice(Category, category),
        site_id=ascii_int(site_id, low=1, high=MAX_ID),
        donor_id=None,
        q=q,
    )
    params = {"status": status, "category": category, "site_id": site_id, "q": q}
    listing = keyset_page(
        session,
        query,
        key=Device.id,
        cursor=lambda device: str(device.code),
        after=service.cursor_position(session, viewer=user, code=after),
        before=service.cursor_position(session, viewer=user, code=before),
        path="/devices",
        params=params,
    )
    devices = listing.rows
    sees_sites = sees_workshop_internals(user)
    return render(
        request,
        "devices/list.html",
        user=user,
        listing=listing,
        params=params,
        filtered=any(params.values()),
        statuses=list(DeviceStatus),
        categories=list(Category),
        sites=list(session.scalars(visible_sites(user))) if sees_sites else [],
        site_names=(
            pages_device.site_names(session, {d.site_id for d in devices}) if sees_sites else {}
        ),
        format_code=codes.format_code,
        local_date=local_date,
        can_receive=does_workshop_work(user),
    )


# --- intake ------------------------------------------------------------------------------------


def _intake_choices(session: Session, user: User) -> dict[str, Any]:
    donors = visible_organizations(user).where(Organization.kind == OrgKind.DONOR)
    # Devices come from pickups under way (the service checks it again on intake).
    pickups = (
        visible_pickups(user)
        .where(Pickup.status.in_((PickupStatus.SCHEDULED, PickupStatus.COLLECTED)))
        .join(Organization, Organization.id == Pickup.donor_id)
        .add_columns(Organization.name)
        .order_by(Pickup.scheduled_on.desc(), Pickup.id.desc())
        .limit(200)
    )
    return {
        "categories": list(Category),
        "sites": list(session.scalars(visible_sites(user))),
        "donors": list(session.scalars(donors)),
        "pickups": [(pickup, donor) for pickup, donor in session.execute(pickups)],
    }


def _intake_page(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    error: str | None = None,
    last: Device | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "devices/new.html",
        status_code=status_code,
        user=user,
        values=values,
        errors=errors or {},
        error=error,
        last=last,
        format_code=codes.format_code,
        **_intake_choices(session, user),
    )


@router.get("/devices/new", response_class=HTMLResponse)
def intake_form(
    request: Request,
    session: SessionDep,
    user: WebUser,
    category: Annotated[str, Query(max_length=20)] = "",
    site_id: Annotated[str, Query(max_length=10)] = "",
    donor_id: Annotated[str, Query(max_length=10)] = "",
    pickup_id: Annotated[str, Query(max_length=10)] = "",
    has_storage: Annotated[str, Query(max_length=3)] = "",
    last: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """The intake form; after "receive and next", it keeps category, site, donor and pickup."""
    require_workshop_staff(user)
    values = dict.fromkeys(INTAKE_FIELDS, "")
    values.update(
        category=category,
        site_id=site_id,
        donor_id=donor_id,
        pickup_id=pickup_id,
        has_storage=has_storage,
    )
    sites = list(session.scalars(visible_sites(user).limit(2)))
    if not site_id and len(sites) == 1:
        values["site_id"] = str(sites[0].id)
    previous = None
    if codes.is_valid(last):
        previous = session.scalar(visible_devices(user).where(Device.code == last))
    return _intake_page(request, session, user, values=values, last=previous)


@router.post("/devices/new", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def intake(request: Request, session: SessionDep, user: WebUser, form: FormDep) -> Response:
    """Receive one device and go to its page (or back to the form for the next one)."""
    require_workshop_staff(user)
    values = form_texts(form, INTAKE_FIELDS)
    # An empty choice is left out, so that the schema says "required" rather than "invalid".
    data: dict[str, Any] = {k: values[k] for k in ("category", "has_storage") if values[k]}
    data.update(
        brand=values["brand"],
        model=values["model"],
        serial=values["serial"],
        weight_kg=decimal(values["weight_kg"]) or None,
        site_id=values["site_id"] or None,
        donor_id=values["donor_id"] or None,
        pickup_id=values["pickup_id"] or None,
        specs={
            key: decimal(values[key]) if key == "screen_in" else values[key]
            for key in SPEC_FIELDS
            if values[key]
        },
    )
    try:
        body = DeviceCreate.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(request, exc)
        return _intake_page(request, session, user, values=values, errors=errors, status_code=422)
    try:
        with session.begin_nested():
            device = service.create_device(session, actor=user, data=body)
    except CollecteError as exc:
        return _intake_page(
            request,
            session,
            user,
            values=values,
            error=exc.message(request_language(request)),
            status_code=exc.status_code,
        )
    if form_text(form, "then") == "next":
        sticky = {k: values[k] for k in STICKY_FIELDS}
        return redirect("/devices/new?" + urlencode({**sticky, "last": device.code}))
    return redirect(f"/devices/{device.code}?done=intake")


# --- CSV import --------------------------------------------------------------------------------


def _import_page(
    request: Request,
    session: Session,
    user: User,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("values", {"site_id": "", "donor_id": ""})
    return render(
        request,
        "devices/import.html",
        status_code=status_code,
        user=user,
        form_id=secrets.token_urlsafe(16),
        columns=bulk.CSV_COLUMNS,
        example=CSV_EXAMPLE,
        templates=stock_choices(),
        format_code=codes.format_code,
        **_intake_choices(session, user),
        **context,
    )


@router.get("/devices/import", response_class=HTMLResponse)
def import_form(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    """The CSV import form, with the expected columns and an example."""
    require_workshop_staff(user)
    return _import_page(request, session, user)


@router.get("/devices/import/example.csv")
def import_example(user: WebUser) -> Response:
    """An example file to start from (the header is what matters)."""
    require_workshop_staff(user)
    return Response(
        CSV_EXAMPLE,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="devices-example.csv"'},
    )


@router.post("/devices/import", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def import_csv(request: Request, session: SessionDep, user: WebUser, form: FormDep) -> Response:
    """Receive every row of a CSV file, or none: bad rows are listed by line number."""
    require_workshop_staff(user)
    values = form_texts(form, ("site_id", "donor_id", "form_id"))

    def again(status_code: int, **context: Any) -> HTMLResponse:
        return _import_page(
            request, session, user, status_code=status_code, values=values, **context
        )

    if values["form_id"] and request.session.get(IMPORT_DONE_KEY) == values["form_id"]:
        return again(409, error=translate(request, ALREADY_IMPORTED))
    upload = form_upload(form, "file")
    if upload is None:
        return again(422, error=translate(request, N_("Choose a CSV file to import.")))
    raw = read_upload(upload)
    if raw is None:
        return again(413, error=translate(request, N_("The file is larger than 5 MiB.")))
    try:
        with session.begin_nested():
            rows = _with_defaults(bulk.parse_csv(raw), values)
            devices = bulk.bulk_receive(session, actor=user, rows=rows)
    except bulk.BulkRejected as exc:
        language = request_language(request)
        rejected = [
            {"line": line, "errors": [reason.message(language) for reason in reasons]}
            for line, reasons in exc.reasons.items()
        ]
        return again(exc.status_code, rejected=rejected, filename=upload.filename)
    except CollecteError as exc:
        return again(
            exc.status_code, error=exc.message(request_language(request)), filename=upload.filename
        )
    request.session[IMPORT_DONE_KEY] = values["form_id"]
    return again(200, created=devices, filename=upload.filename)


def _with_defaults(
    rows: list[tuple[int, dict[str, Any]]], values: dict[str, str]
) -> list[tuple[int, dict[str, Any]]]:
    """Rows without a site or donor take the ones chosen on the form."""
    defaults = {k: values[k] for k in ("site_id", "donor_id") if values[k]}
    return [(line, {**defaults, **row}) for line, row in rows]


router.include_router(pages_device.router)
router.include_router(pages_records.router)
router.include_router(pages_scan.router)
