"""Pickup pages: booking, editing and cancelling a request, and the donor's inventory file.

The run sheet, the planning board, the pickup page and its documents live in pages_runsheet,
pages_board and pages_pickup; their routes are included at the end, after ``/pickups/new``, so
that neither it nor ``/pickups/run-sheet`` is ever read as a pickup id.
Every form calls the same service function as the JSON API inside a savepoint and redirects (303)
on success; a refusal shows the form again with the values typed and a message per field.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from collecte.auth.deps import WebUser
from collecte.auth.models import User
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError
from collecte.core.forms import FormDep, form_texts, form_upload, read_upload, translate
from collecte.core.schemas import IdPath
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, request_language, require_csrf
from collecte.devices.checklists import Category
from collecte.orgs.models import Organization, OrgKind
from collecte.orgs.policy import visible_organizations
from collecte.pickups import (
    pages_board,
    pages_pickup,
    pages_position,
    pages_runsheet,
    policy,
    service,
)
from collecte.pickups.inventory import InventoryError, parse_inventory
from collecte.pickups.models import DataDestruction, Pickup
from collecte.pickups.pages_forms import (
    MAX_WINDOWS,
    booking_values,
    message,
    pickup_label,
    read_booking,
    validate_booking,
    window_rows,
)
from collecte.pickups.pages_pickup import pickup_page
from collecte.pickups.positions import PostedPosition
from collecte.pickups.schemas import CancelIn, PickupCreate, PickupUpdate

router = APIRouter(include_in_schema=False)


def _form_page(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, str],
    pickup: Pickup | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The booking form (or the edit form of a pickup), with what was typed and what is wrong."""
    donors: list[Organization] = []
    if pickup is None and not policy.books_for_itself(user):
        query = visible_organizations(user).where(Organization.kind == OrgKind.DONOR)
        donors = list(session.scalars(query))
    return render(
        request,
        "pickups/form.html",
        status_code=status_code,
        user=user,
        pickup=pickup,
        editable=pickup is None or policy.may_edit(user, pickup),
        values=values,
        errors=errors or {},
        error=error,
        donors=donors,
        categories=list(Category),
        destructions=list(DataDestruction),
        rows=window_rows(values),
        max_windows=MAX_WINDOWS,
        plabel=pickup_label,
    )


@router.get("/pickups/new", response_class=HTMLResponse)
def booking_form(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    """The form a donor fills to book a pickup (a coordinator may book for a donor)."""
    policy.require_booker(user)
    values = {"data_destruction": DataDestruction.CERTIFICATE.value}
    if policy.books_for_itself(user) and user.organization_id is not None:
        # The organisation's own address and the user's email as a starting point.
        donor = session.get_one(Organization, user.organization_id)
        values.update(address=donor.address, postcode=donor.postcode, city=donor.city)
        values["contact_email"] = user.email
    return _form_page(request, session, user, values=values)


@router.post("/pickups/new", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def book(
    request: Request, found: PostedPosition, session: SessionDep, user: WebUser, form: FormDep
) -> Response:
    """Book the pickup and go to its page; nothing is written while a field needs correcting.
    The address is geocoded first (``found``), before the session's transaction begins."""
    policy.require_booker(user)
    booking = read_booking(request, form, donor_field=not policy.books_for_itself(user))
    body = validate_booking(request, booking, PickupCreate)

    # The form again as posted, with a status and an optional message.
    again = partial(
        _form_page, request, session, user, values=booking.values, errors=booking.errors
    )
    if body is None:
        return again(status_code=422)
    try:
        with session.begin_nested():
            booking_in = body.model_copy(update={"language": request_language(request)})
            pickup = service.request_pickup(session, viewer=user, booking=booking_in, found=found)
    except CollecteError as exc:
        return again(status_code=exc.status_code, error=message(request, exc))
    return redirect(f"/pickups/{pickup.id}?done=booked")


@router.get("/pickups/{pickup_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, session: SessionDep, user: WebUser, pickup_id: IdPath
) -> HTMLResponse:
    """The request's form, filled; once the pickup is scheduled, a message says it is too late."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    policy.require_change(user, pickup)
    return _form_page(request, session, user, values=booking_values(pickup), pickup=pickup)


@router.post(
    "/pickups/{pickup_id}/edit", response_class=HTMLResponse, dependencies=[Depends(require_csrf)]
)
def edit(
    request: Request,
    found: PostedPosition,
    session: SessionDep,
    user: WebUser,
    pickup_id: IdPath,
    form: FormDep,
) -> Response:
    """Save the edited request (refused once scheduled); a new inventory file replaces the old."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    booking = read_booking(request, form, donor_field=False)

    again = partial(
        _form_page,
        request,
        session,
        user,
        values=booking.values,
        errors=booking.errors,
        pickup=pickup,
    )
    try:
        policy.require_editable(user, pickup)
    except CollecteError as exc:
        return again(status_code=exc.status_code, error=message(request, exc))
    body = validate_booking(request, booking, PickupUpdate)
    if body is None:
        return again(status_code=422)
    try:
        with session.begin_nested():
            service.update_pickup(session, viewer=user, pickup=pickup, update=body, found=found)
    except CollecteError as exc:
        return again(status_code=exc.status_code, error=message(request, exc))
    return redirect(f"/pickups/{pickup.id}?done=edited")


@router.post("/pickups/{pickup_id}/cancel", dependencies=[Depends(require_csrf)])
def cancel(
    request: Request, session: SessionDep, user: WebUser, pickup_id: IdPath, form: FormDep
) -> Response:
    """Cancel the pickup, with the reason the donor or the coordinator gives."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    values = form_texts(form, ("reason",))

    def act() -> None:
        body = CancelIn.model_validate(values)
        service.cancel_pickup(session, viewer=user, pickup=pickup, reason=body.reason)

    return pages_pickup.act_on_pickup(
        request, session, user, pickup, form="cancel", values=values, action=act
    )


@router.post("/pickups/{pickup_id}/inventory", dependencies=[Depends(require_csrf)])
def replace_inventory(
    request: Request, session: SessionDep, user: WebUser, pickup_id: IdPath, form: FormDep
) -> Response:
    """Replace the declared serials with those of the donor's inventory file."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)

    def refused(text: str, status_code: int) -> HTMLResponse:
        return pickup_page(
            request,
            session,
            user,
            pickup,
            form="inventory",
            errors={"inventory": text},
            status_code=status_code,
        )

    try:
        policy.require_editable(user, pickup)
    except CollecteError as exc:
        return refused(message(request, exc), exc.status_code)
    upload = form_upload(form, "inventory")
    if upload is None:
        return refused(translate(request, N_("Choose the inventory file (CSV).")), 422)
    raw = read_upload(upload)
    if raw is None:
        return refused(translate(request, N_("The file is larger than 5 MiB.")), 413)
    try:
        serials = parse_inventory(raw)
    except InventoryError as exc:
        return refused(message(request, exc), exc.status_code)
    update = PickupUpdate(declared_serials=serials)
    return pages_pickup.act_on_pickup(
        request,
        session,
        user,
        pickup,
        form="inventory",
        values={},
        action=lambda: service.update_pickup(session, viewer=user, pickup=pickup, update=update),
    )


router.include_router(pages_runsheet.router)  # before /pickups/{pickup_id}
router.include_router(pages_board.router)
router.include_router(pages_pickup.router)
router.include_router(pages_position.router)
