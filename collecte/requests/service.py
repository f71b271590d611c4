"""Requests: a partner asks, a coordinator approves, rejects, cuts or substitutes, cancels; the
counts of every line are read from its bindings (``Allocation``), never stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from collecte.auth.models import User
from collecte.core.errors import Conflict, InvalidInput, NotFound, Reason
from collecte.core.events import (
    DecisionPayload,
    Event,
    EventKind,
    NoPayload,
    Payload,
    ReasonPayload,
    RequestLineChangedPayload,
    RequestLinePayload,
    RequestSubmittedPayload,
    Subject,
    record_event,
)
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.devices.grading import Grade
from collecte.devices.models import Device
from collecte.orgs.models import Organization, OrgKind
from collecte.orgs.service import serving_workshops
from collecte.requests import binding, policy
from collecte.requests.lifecycle import OPEN, REQUEST_MACHINE, CancelReason, RequestStatus
from collecte.requests.models import Allocation, BindingEnd, EquipmentRequest, RequestLine
from collecte.requests.schemas import Fulfilment, LineChangeIn, RequestCreate

SENT_BACK = (BindingEnd.RETURNED, BindingEnd.LOST)


@dataclass
class LineCounts:
    """A line's bindings, counted: what is bound now, shipped, delivered, and sent back."""

    allocated: int = 0
    shipped: int = 0
    delivered: int = 0
    returned: int = 0
    device_codes: list[str] = field(default_factory=list)


def fulfilment(quantity: int, counts: LineCounts) -> Fulfilment:
    """Complete when as many devices as asked were delivered; partial once anything is bound."""
    if counts.delivered >= quantity:
        return Fulfilment.COMPLETE
    if counts.allocated or counts.delivered:
        return Fulfilment.PARTIAL
    return Fulfilment.NONE


def line_counts(session: Session, request_ids: Sequence[int]) -> dict[int, LineCounts]:
    """Each line's counts for these requests: one ``GROUP BY`` over the bindings, plus the codes
    of the devices bound now."""
    active = Allocation.ended_at.is_(None)
    one = 1
    query = (
        select(
            Allocation.line_id,
            func.sum(case((active, one), else_=0)),
            func.sum(case((active & Allocation.shipped_at.is_not(None), one), else_=0)),
            func.sum(case((active & Allocation.delivered_at.is_not(None), one), else_=0)),
            func.sum(
                case(
                    (Allocation.end.in_(SENT_BACK) & Allocation.shipped_at.is_not(None), one),
                    else_=0,
                )
            ),
        )
        .where(Allocation.request_id.in_(request_ids))
        .group_by(Allocation.line_id)
    )
    counts: dict[int, LineCounts] = defaultdict(LineCounts)
    for line_id, allocated, shipped, delivered, returned in session.execute(query):
        counts[line_id] = LineCounts(int(allocated), int(shipped), int(delivered), int(returned))
    codes = (
        select(Allocation.line_id, Device.code)
        .join(Device, Device.id == Allocation.device_id)
        .where(Allocation.request_id.in_(request_ids), active)
        .order_by(Device.code)
    )
    for line_id, code in session.execute(codes):
        counts[line_id].device_codes.append(code)
    return counts


def record_request_event(
    session: Session,
    *,
    request: EquipmentRequest,
    actor: User | None,
    kind: EventKind,
    payload: Payload,
    from_status: RequestStatus | None = None,
    to_status: RequestStatus | None = None,
    note: str = "",
) -> Event:
    """Append one event to a request's history, with its partner, workshop and territory."""
    return record_event(
        session,
        kind=kind,
        subject=Subject.REQUEST,
        actor_id=actor.id if actor else None,
        payload=payload,
        from_status=from_status,
        to_status=to_status,
        note=note,
        request_id=request.id,
        partner_id=request.partner_id,
        workshop_id=request.workshop_id,
        territory=request.territory,
    )


def _addressed_workshop(session: Session, partner: Organization, workshop_id: int | None) -> int:
    """The workshop given (which must serve the partner's département), else its first choice."""
    serving = serving_workshops(session, partner.territory)
    if workshop_id is None:
        if not serving:
            raise Conflict(
                "no_workshop_serves",
                N_("no workshop serves département %(territory)s yet"),
                territory=partner.territory,
            )
        return serving[0].id
    if workshop_id not in {w.id for w in serving}:
        raise InvalidInput(
            "workshop_does_not_serve",
            N_("workshop_id must name a workshop that serves département %(territory)s"),
            territory=partner.territory,
        )
    return workshop_id


def submit_request(session: Session, *, viewer: User, data: RequestCreate) -> EquipmentRequest:
    """File a request for devices: a partner for itself, the operator for a partner."""
    policy.require_submit(viewer)
    itself = policy.files_for_itself(viewer)
    partner_id = viewer.organization_id if itself else data.partner_id
    if itself and data.partner_id not in (None, viewer.organization_id):
        raise InvalidInput(
            "request_for_own_organization",
            N_("a partner requests devices for its own organisation only"),
        )
    partner = session.get(Organization, partner_id) if partner_id is not None else None
    if partner is None or partner.kind is not OrgKind.PARTNER:
        raise InvalidInput("not_a_partner", N_("partner_id must name a partner organisation"))
    request = EquipmentRequest(
        partner_id=partner.id,
        workshop_id=_addressed_workshop(session, partner, data.workshop_id),
        territory=partner.territory,
        beneficiaries_count=data.beneficiaries_count,
        needed_on=data.needed_by,
        note=data.note,
        requested_by=viewer.id,
        requested_at=utcnow(),
    )
    session.add(request)
    session.flush()  # the id the lines and the event reference
    lines = [
        RequestLine(
            request_id=request.id,
            category=line.category,
            quantity=line.quantity,
            min_ram_gb=line.min_ram_gb,
            min_storage_gb=line.min_storage_gb,
            min_grade=Grade(line.min_grade) if line.min_grade else None,
        )
        for line in data.lines
    ]
    session.add_all(lines)
    record_request_event(
        session,
        request=request,
        actor=viewer,
        kind=EventKind.REQUEST_SUBMITTED,
        to_status=RequestStatus.SUBMITTED,
        payload=RequestSubmittedPayload(
            lines=[RequestLinePayload.model_validate(line.model_dump()) for line in data.lines],
            beneficiaries_count=data.beneficiaries_count,
        ),
        note=data.note,
    )
    return request


def get_request(session: Session, *, viewer: User, request_id: int) -> EquipmentRequest:
    """One request the viewer may read, with its lines; any other is reported as not existing."""
    request = session.scalar(
        policy.visible_requests(viewer)
        .where(EquipmentRequest.id == request_id)
        .options(selectinload(EquipmentRequest.lines))
    )
    if request is None:
        raise NotFound("not_found", N_("no request %(request)s"), request=request_id)
    return request


def list_requests(
    session: Session,
    *,
    viewer: User,
    status: RequestStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[EquipmentRequest]:
    """A page of the requests the viewer may read, newest first, with their lines."""
    query = policy.visible_requests(viewer).options(selectinload(EquipmentRequest.lines))
    if status is not None:
        query = query.where(EquipmentRequest.status == status)
    query = query.order_by(EquipmentRequest.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def _move(
    session: Session,
    *,
    request: EquipmentRequest,
    actor: User | None,
    to: RequestStatus,
    kind: EventKind,
    payload: Payload,
    reason: str | None = None,
    note: str = "",
) -> Event:
    def record(current: RequestStatus, target: RequestStatus) -> Event:
        return record_request_event(
            session,
            request=request,
            actor=actor,
            kind=kind,
            payload=payload,
            from_status=current,
            to_status=target,
            note=note,
        )

    return REQUEST_MACHINE.move(request, to, provided={"reason": reason}, record=record)


def approve_request(
    session: Session, *, viewer: User, request: EquipmentRequest, note: str = ""
) -> Event:
    """Accept a request: it joins the allocation queue (oldest approval first)."""
    policy.require_decide(viewer, request)
    event = _move(
        session,
        request=request,
        actor=viewer,
        to=RequestStatus.APPROVED,
        kind=EventKind.REQUEST_APPROVED,
        payload=DecisionPayload(note=note),
        note=note,
    )
    request.approved_at = event.occurred_at
    request.decision_note = note
    return event


def reject_request(
    session: Session, *, viewer: User, request: EquipmentRequest, reason: str
) -> Event:
    """Turn a request down, saying why (the partner reads it)."""
    policy.require_decide(viewer, request)
    request.decision_note = reason
    return _move(
        session,
        request=request,
        actor=viewer,
        to=RequestStatus.REJECTED,
        kind=EventKind.REQUEST_REJECTED,
        payload=ReasonPayload(reason=reason),
        reason=reason,
        note=reason,
    )


def cancel_request(
    session: Session,
    *,
    viewer: User,
    request: EquipmentRequest,
    reason: CancelReason,
    note: str = "",
) -> Event:
    """Cancel an open request; the devices bound to it and not yet dispatched go back to stock."""
    policy.require_cancel(viewer, request)
    event = _move(
        session,
        request=request,
        actor=viewer,
        to=RequestStatus.CANCELLED,
        kind=EventKind.REQUEST_CANCELLED,
        payload=ReasonPayload(reason=reason.value),
        reason=reason.value,
        note=note,
    )
    request.cancel_reason = reason
    binding.release_unshipped(session, actor=viewer, request=request, reason=reason.value)
    return event


def change_line(
    session: Session,
    *,
    viewer: User,
    request: EquipmentRequest,
    line_id: int,
    change: LineChangeIn,
) -> RequestLine:
    """Cut a line's quantity or substitute its category, with a reason; the log keeps the
    original. A line cannot drop below the devices already bound to it."""
    policy.require_decide(viewer, request)
    if request.status not in OPEN:
        raise REQUEST_MACHINE.refuse(
            _closed_reason(request), allowed=REQUEST_MACHINE.allowed_next(request.status)
        )
    line = next((line for line in request.lines if line.id == line_id), None)
    if line is None:
        raise NotFound("not_found", N_("no line %(line)s on this request"), line=line_id)
    counts = line_counts(session, [request.id]).get(line.id, LineCounts())
    before_category, before_quantity = line.category, line.quantity
    if change.category is not None and change.category != line.category and counts.allocated:
        raise Conflict(
            "line_has_devices",
            N_("take the %(count)s devices out of this line before changing its category"),
            count=counts.allocated,
        )
    if change.quantity is not None and change.quantity < counts.allocated:
        raise Conflict(
            "line_below_bound",
            N_("this line already has %(count)s devices: it cannot go below that"),
            count=counts.allocated,
        )
    line.category = change.category or line.category
    line.quantity = change.quantity if change.quantity is not None else line.quantity
    record_request_event(
        session,
        request=request,
        actor=viewer,
        kind=EventKind.REQUEST_LINE_CHANGED,
        payload=RequestLineChangedPayload(
            line_id=line.id,
            reason=change.reason,
            from_category=before_category,
            to_category=line.category,
            from_quantity=before_quantity,
            to_quantity=line.quantity,
        ),
        note=change.reason,
    )
    close_if_done(session, request=request, actor=viewer)
    return line


def _closed_reason(request: EquipmentRequest) -> Reason:
    return Reason(
        "request_not_open",
        N_("a %(status)s request can no longer change"),
        {"status": request.status},
    )


def close_if_done(session: Session, *, request: EquipmentRequest, actor: User | None) -> None:
    """Close an approved request once every line is delivered or cut."""
    if request.status is not RequestStatus.APPROVED:
        return
    counts = line_counts(session, [request.id])
    lines = session.scalars(select(RequestLine).where(RequestLine.request_id == request.id))
    if all(counts.get(line.id, LineCounts()).delivered >= line.quantity for line in lines):
        _move(
            session,
            request=request,
            actor=actor,
            to=RequestStatus.CLOSED,
            kind=EventKind.REQUEST_CLOSED,
            payload=NoPayload(),
        )
