"""JSON API for requests: file, read, approve, reject, cancel, change a line, allocate."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.deps import CurrentUser
from collecte.auth.models import User
from collecte.core.db import SessionDep
from collecte.core.schemas import IdPath, Limit, Offset
from collecte.orgs.models import Organization
from collecte.requests import allocating, service
from collecte.requests.lifecycle import RequestStatus
from collecte.requests.models import EquipmentRequest
from collecte.requests.schemas import (
    AllocateDeviceIn,
    AllocatedOut,
    AllocationRunOut,
    CancelIn,
    DecisionIn,
    LineChangeIn,
    LineOut,
    RejectIn,
    ReleaseIn,
    RequestCreate,
    RequestOut,
)
from collecte.requests.service import LineCounts, fulfilment

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])


def requests_out(session: Session, requests: Sequence[EquipmentRequest]) -> list[RequestOut]:
    """Requests as the API answers them, with each line's counts read from its bindings."""
    counts = service.line_counts(session, [r.id for r in requests])
    named = select(Organization.id, Organization.name).where(
        Organization.id.in_({r.partner_id for r in requests})
    )
    names: dict[int, str] = {row.id: row.name for row in session.execute(named)}
    answers = []
    for request in requests:
        lines = []
        for line in request.lines:
            tally = counts.get(line.id, LineCounts())
            lines.append(
                LineOut(
                    id=line.id,
                    category=line.category,
                    quantity=line.quantity,
                    min_ram_gb=line.min_ram_gb,
                    min_storage_gb=line.min_storage_gb,
                    min_grade=line.min_grade.value if line.min_grade else None,
                    allocated=tally.allocated,
                    shipped=tally.shipped,
                    delivered=tally.delivered,
                    returned=tally.returned,
                    device_codes=tally.device_codes,
                    fulfilment=fulfilment(line.quantity, tally),
                )
            )
        total = LineCounts(
            allocated=sum(line.allocated for line in lines),
            shipped=sum(line.shipped for line in lines),
            delivered=sum(line.delivered for line in lines),
        )
        answers.append(
            RequestOut(
                id=request.id,
                status=request.status,
                partner_id=request.partner_id,
                partner_name=names.get(request.partner_id, ""),
                workshop_id=request.workshop_id,
                territory=request.territory,
                beneficiaries_count=request.beneficiaries_count,
                needed_by=request.needed_on,
                note=request.note,
                decision_note=request.decision_note,
                cancel_reason=request.cancel_reason,
                requested_at=request.requested_at,
                approved_at=request.approved_at,
                allocated=total.allocated,
                shipped=total.shipped,
                delivered=total.delivered,
                fulfilment=fulfilment(sum(line.quantity for line in request.lines), total),
                lines=lines,
            )
        )
    return answers


def _one(session: Session, viewer: User, request_id: int) -> RequestOut:
    request = service.get_request(session, viewer=viewer, request_id=request_id)
    return requests_out(session, [request])[0]


@router.post("", status_code=201, response_model=RequestOut)
def submit_request(body: RequestCreate, session: SessionDep, viewer: CurrentUser) -> RequestOut:
    """File a request for devices (a partner's own organisation is implied)."""
    request = service.submit_request(session, viewer=viewer, data=body)
    return _one(session, viewer, request.id)


@router.get("", response_model=list[RequestOut])
def list_requests(
    session: SessionDep,
    viewer: CurrentUser,
    status: RequestStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[RequestOut]:
    """Requests the caller may see, newest first."""
    found = service.list_requests(session, viewer=viewer, status=status, limit=limit, offset=offset)
    return requests_out(session, found)


@router.post("/allocate", response_model=AllocationRunOut)
def allocate_all(session: SessionDep, viewer: CurrentUser) -> AllocationRunOut:
    """Serve every approved request the caller decides on, oldest approval first, best fit."""
    run = allocating.allocate_all(session, viewer=viewer)
    return AllocationRunOut.model_validate(run, from_attributes=True)


@router.get("/{request_id}", response_model=RequestOut)
def get_request(request_id: IdPath, session: SessionDep, viewer: CurrentUser) -> RequestOut:
    """One request with its lines, their counts and the devices bound to them."""
    return _one(session, viewer, request_id)


@router.post("/{request_id}/approve", response_model=RequestOut)
def approve_request(
    request_id: IdPath, session: SessionDep, viewer: CurrentUser, body: DecisionIn | None = None
) -> RequestOut:
    """Accept a submitted request (a coordinator of the workshop it is addressed to)."""
    request = service.get_request(session, viewer=viewer, request_id=request_id)
    service.approve_request(session, viewer=viewer, request=request, note=body.note if body else "")
    return _one(session, viewer, request_id)


@router.post("/{request_id}/reject", response_model=RequestOut)
def reject_request(
    request_id: IdPath, body: RejectIn, session: SessionDep, viewer: CurrentUser
) -> RequestOut:
    """Turn down a submitted request, with a reason the partner reads."""
    request = service.get_request(session, viewer=viewer, request_id=request_id)
    service.reject_request(session, viewer=viewer, request=request, reason=body.reason)
    return _one(session, viewer, request_id)


@router.post("/{request_id}/cancel", response_model=RequestOut)
def cancel_request(
    request_id: IdPath, body: CancelIn, session: SessionDep, viewer: CurrentUser
) -> RequestOut:
    """Cancel an open request; its devices not yet dispatched go back to stock."""
    request = service.get_request(session, viewer=viewer, request_id=request_id)
    service.cancel_request(
        session, viewer=viewer, request=request, reason=body.reason, note=body.note
    )
    return _one(session, viewer, request_id)


@router.patch("/{request_id}/lines/{line_id}", response_model=RequestOut)
def change_line(
    request_id: IdPath,
    line_id: IdPath,
    body: LineChangeIn,
    session: SessionDep,
    viewer: CurrentUser,
) -> RequestOut:
    """Cut a line's quantity or substitute its category, with a reason (the log keeps both)."""
    request = service.get_request(session, viewer=viewer, request_id=request_id)
    service.change_line(session, viewer=viewer, request=request, line_id=line_id, change=body)
    return _one(session, viewer, request_id)


@router.post("/{request_id}/allocate", response_model=AllocationRunOut)
def allocate_request(
    request_id: IdPath, session: SessionDep, viewer: CurrentUser
) -> AllocationRunOut:
    """Give this approved request's lines the best-fitting devices in stock."""
    request = service.get_request(session, viewer=viewer, request_id=request_id)
    run = allocating.allocate_request(session, viewer=viewer, request=request)
    return AllocationRunOut.model_validate(run, from_attributes=True)


@router.post("/{request_id}/devices", status_code=201, response_model=AllocatedOut)
def allocate_device(
    request_id: IdPath, body: AllocateDeviceIn, session: SessionDep, viewer: CurrentUser
) -> AllocatedOut:
    """Bind one scanned device to this request (the line named, else the first it meets)."""
    request = service.get_request(session, viewer=viewer, request_id=request_id)
    allocation = allocating.allocate_device(
        session, viewer=viewer, request=request, raw_code=body.code, line_id=body.line_id
    )
    device_code = allocating.device_code(session, allocation.device_id)
    return AllocatedOut(code=device_code, request_id=request.id, line_id=allocation.line_id)


@router.post("/{request_id}/release", response_model=RequestOut)
def release_device(
    request_id: IdPath, body: ReleaseIn, session: SessionDep, viewer: CurrentUser
) -> RequestOut:
    """Take an allocated device out of this request: it goes back to stock."""
    request = service.get_request(session, viewer=viewer, request_id=request_id)
    allocating.release_device(
        session, viewer=viewer, request=request, raw_code=body.code, reason=body.reason
    )
    return _one(session, viewer, request_id)
