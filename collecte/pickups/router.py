"""JSON API for pickups: request, edit, cancel, schedule, collect, reconcile, documents."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from collecte.auth.deps import CurrentUser, SettingsDep
from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.db import SessionDep
from collecte.core.errors import NotFound
from collecte.core.events import Event
from collecte.core.schemas import MAX_ID, EventOut, IdPath, Limit, Offset
from collecte.core.vocabulary import N_
from collecte.devices import certificates
from collecte.documents.router import ISSUED_PDF_RESPONSES, Lang, api_language, pdf_response
from collecte.orgs.models import Organization, OrgKind
from collecte.orgs.service import get_organization
from collecte.pickups import policy, positions, runsheet, runsheet_pdf, service
from collecte.pickups.documents import collection_proof
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.positions import LocatedBookingDep, LocatedUpdateDep, PositionIn
from collecte.pickups.reports import donation_receipt_data, traceability
from collecte.pickups.schemas import (
    CancelIn,
    CollectIn,
    PickupOut,
    RunSheetOut,
    ScheduleIn,
)

router = APIRouter(prefix="/api/v1/pickups", tags=["pickups"])

RunDate = Annotated[dt.date, Query(alias="date", description="The day of the round (YYYY-MM-DD).")]
Vehicle = Annotated[
    str,
    Query(
        max_length=60, description="The vehicle set when scheduling; empty for pickups without one."
    ),
]
RunSite = Annotated[
    int | None,
    Query(ge=1, le=MAX_ID, description="The receiving site, when the van serves several."),
]
Driver = Annotated[
    str, Query(max_length=80, description="The driver's name, printed on the run sheet.")
]
Capacity = Annotated[
    float | None,
    Query(gt=0, le=40_000, description="Payload in kg; default COLLECTE_VAN_CAPACITY_KG."),
]


@router.post("", status_code=201, response_model=PickupOut)
def request_pickup(
    # Located first: the geocoder is asked before the session (and its transaction) opens.
    located: LocatedBookingDep,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
) -> Pickup:
    """Book a pickup (a donor's own organisation is implied); its address is geocoded, else placed
    at its commune's centre (``position_approximate``); coordinates given win."""
    body = located.body
    booking = body.model_copy(update={"language": body.language or settings.default_language})
    return service.request_pickup(session, viewer=viewer, booking=booking, found=located.found)


@router.get("", response_model=list[PickupOut])
def list_pickups(
    session: SessionDep,
    viewer: CurrentUser,
    status: PickupStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Pickup]:
    """Pickups the caller may see, newest first."""
    query = policy.visible_pickups(viewer)
    if status is not None:
        query = query.where(Pickup.status == status)
    return list(session.scalars(query.order_by(Pickup.id.desc()).limit(limit).offset(offset)))


def requested_run_sheet(
    on: RunDate,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    vehicle: Vehicle = "",
    site_id: RunSite = None,
    capacity_kg: Capacity = None,
    driver: Driver = "",
) -> RunSheetOut:
    """The run sheet the query names (a dependency: the JSON and the PDF routes read the same)."""
    sheet = runsheet.run_sheet(
        session,
        viewer=viewer,
        on=on,
        vehicle=vehicle,
        site_id=site_id,
        capacity_kg=capacity_kg or settings.van_capacity_kg,
    )
    return sheet.model_copy(update={"driver": driver.strip()})


RequestedRunSheet = Annotated[RunSheetOut, Depends(requested_run_sheet)]


def run_sheet_response(
    session: Session, *, sheet: RunSheetOut, actor: User, settings: Settings, language: str
) -> Response:
    """The run sheet as an issued PDF download (the API's and the page's)."""
    issued = runsheet_pdf.run_sheet_pdf(
        session, sheet=sheet, actor=actor, settings=settings, language=language
    )
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in sheet.vehicle) or "no-vehicle"
    return pdf_response(issued, f"run-sheet-{sheet.date.isoformat()}-{slug}.pdf")


def proof_response(
    session: Session, *, pickup: Pickup, actor: User, settings: Settings, language: str
) -> Response:
    """The collection proof of a pickup as an issued PDF download (the API's and the page's)."""
    issued = collection_proof(
        session, pickup=pickup, actor=actor, settings=settings, language=language
    )
    return pdf_response(issued, f"collection-proof-{pickup.id}.pdf")


def certificate_response(
    session: Session, *, pickup: Pickup, actor: User, settings: Settings, language: str
) -> Response:
    """A pickup's batch erasure certificate as an issued PDF download (the API's and the page's)."""
    donor = session.get_one(Organization, pickup.donor_id)  # a required foreign key
    issued = certificates.donor_batch_certificate(
        session,
        viewer=actor,
        donor=donor,
        pickup_id=pickup.id,
        settings=settings,
        language=language,
    )
    return pdf_response(issued, f"erasure-certificate-pickup-{pickup.id}.pdf")


def schedule_as_planned(
    session: Session, *, viewer: User, pickup: Pickup, plan: ScheduleIn
) -> Pickup:
    """Schedule a pickup as the validated plan says (the API's and the page's form)."""
    return service.schedule_pickup(
        session,
        viewer=viewer,
        pickup=pickup,
        date=plan.date,
        site_id=plan.site_id,
        window_start=plan.window_start,
        window_end=plan.window_end,
        vehicle=plan.vehicle,
    )


def collect_as_recorded(
    session: Session, *, viewer: User, pickup: Pickup, record: CollectIn
) -> Pickup:
    """Record a collection as the validated record says (the API's and the page's form)."""
    counts = {str(k): v for k, v in record.counts.items()} if record.counts is not None else None
    return service.collect_pickup(
        session,
        viewer=viewer,
        pickup=pickup,
        weight_kg=record.weight_kg,
        released_by=record.released_by,
        received_by=record.received_by,
        counts=counts,
    )


# The run-sheet routes come before "/{pickup_id}" so that the path is never read as an id.
# A site_id in the query that names no site the caller sees is a 404, as in a path.
UNKNOWN_SITE: dict[int | str, dict[str, Any]] = {404: {"description": "No such site"}}


@router.get("/run-sheet", response_model=RunSheetOut, responses=UNKNOWN_SITE)
def read_run_sheet(sheet: RequestedRunSheet) -> RunSheetOut:
    """A vehicle's scheduled stops of the day in solved order, with those left out (coordinator)."""
    return sheet


@router.get(
    "/run-sheet.pdf", response_class=Response, responses={**ISSUED_PDF_RESPONSES, **UNKNOWN_SITE}
)
def run_sheet_pdf(
    sheet: RequestedRunSheet,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    lang: Lang = None,
) -> Response:
    """The daily run sheet PDF of a vehicle: stops in order, access, contacts, windows, volume."""
    return run_sheet_response(
        session, sheet=sheet, actor=viewer, settings=settings, language=api_language(settings, lang)
    )


@router.get("/{pickup_id}", response_model=PickupOut)
def read_pickup(pickup_id: IdPath, session: SessionDep, viewer: CurrentUser) -> Pickup:
    """One pickup, if the caller may see it."""
    return service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)


@router.get("/{pickup_id}/events", response_model=list[EventOut])
def read_events(pickup_id: IdPath, session: SessionDep, viewer: CurrentUser) -> list[Event]:
    """A pickup's history (request, edits, schedule, collection, cancellation), in order."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return service.pickup_events(session, pickup)


@router.patch("/{pickup_id}", response_model=PickupOut)
def update_pickup(
    pickup_id: IdPath, located: LocatedUpdateDep, session: SessionDep, viewer: CurrentUser
) -> Pickup:
    """Edit a pickup request until it is scheduled; a new address given with its postcode is
    geocoded, one without moves the pickup to its commune's centre."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return service.update_pickup(
        session, viewer=viewer, pickup=pickup, update=located.body, found=located.found
    )


@router.post("/{pickup_id}/position", response_model=PickupOut)
def correct_position(
    pickup_id: IdPath, body: PositionIn, session: SessionDep, viewer: CurrentUser
) -> Pickup:
    """Set the pickup's position by hand, or back to its commune's centre (coordinator)."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return positions.correct_position(session, viewer=viewer, pickup=pickup, correction=body)


@router.post("/{pickup_id}/cancel", response_model=PickupOut)
def cancel_pickup(
    pickup_id: IdPath, body: CancelIn, session: SessionDep, viewer: CurrentUser
) -> Pickup:
    """Cancel a pickup that has not been collected, with a reason."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return service.cancel_pickup(session, viewer=viewer, pickup=pickup, reason=body.reason)


@router.post("/{pickup_id}/schedule", response_model=PickupOut)
def schedule_pickup(
    pickup_id: IdPath, body: ScheduleIn, session: SessionDep, viewer: CurrentUser
) -> Pickup:
    """Plan the pickup: date, window, receiving site, vehicle (coordinator)."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return schedule_as_planned(session, viewer=viewer, pickup=pickup, plan=body)


@router.post("/{pickup_id}/collect", response_model=PickupOut)
def collect_pickup(
    pickup_id: IdPath, body: CollectIn, session: SessionDep, viewer: CurrentUser
) -> Pickup:
    """Record the collection: counts per category, weight, who released and who received."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return collect_as_recorded(session, viewer=viewer, pickup=pickup, record=body)


@router.get("/{pickup_id}/reconciliation")
def reconcile(pickup_id: IdPath, session: SessionDep, viewer: CurrentUser) -> dict[str, Any]:
    """Declared against received per category, and missing / unexpected serials."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return service.reconciliation(session, pickup=pickup)


@router.get(
    "/{pickup_id}/collection-proof.pdf", response_class=Response, responses=ISSUED_PDF_RESPONSES
)
def proof(
    pickup_id: IdPath,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    lang: Lang = None,
) -> Response:
    """The collection proof (bordereau) of a collected pickup."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return proof_response(
        session,
        pickup=pickup,
        actor=viewer,
        settings=settings,
        language=api_language(settings, lang),
    )


@router.get(
    "/{pickup_id}/erasure-certificate.pdf", response_class=Response, responses=ISSUED_PDF_RESPONSES
)
def erasure_certificate(
    pickup_id: IdPath,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    lang: Lang = None,
) -> Response:
    """The batch erasure certificate of a pickup: one row per storage, refused while any is untreated."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return certificate_response(
        session,
        pickup=pickup,
        actor=viewer,
        settings=settings,
        language=api_language(settings, lang),
    )


@router.get(
    "/{pickup_id}/donation-receipt",
    responses={409: {"description": "The pickup is not collected yet"}},
)
def donation_receipt(pickup_id: IdPath, session: SessionDep, viewer: CurrentUser) -> dict[str, Any]:
    """The data of the donor's Cerfa 2041-MEC-SD receipt (the value is the donor's to state)."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    return donation_receipt_data(session, pickup=pickup)


donors_router = APIRouter(prefix="/api/v1/organizations", tags=["pickups"])


@donors_router.get("/{donor_id}/traceability")
def donor_traceability(
    donor_id: IdPath, session: SessionDep, viewer: CurrentUser
) -> dict[str, Any]:
    """What became of a donor's devices: redistributed, ready, in the workshop, recycled, parts, lost."""
    donor = get_organization(session, viewer=viewer, organization_id=donor_id)
    if donor.kind is not OrgKind.DONOR or not policy.may_read_donor_reports(viewer):
        raise NotFound("not_found", N_("no donor %(donor)s"), donor=donor_id)
    return traceability(session, viewer=viewer, donor_id=donor.id)
