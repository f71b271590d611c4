"""Allocation runs: the devices of a workshop's stock given to approved request lines, best fit
(``allocation.allocate``), one request or every approved one (oldest approval first), and a
device scanned into a request by hand.

Candidates are read with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent runs (several
app processes) each take devices no other run holds; on SQLite writers are serialised already
(``BEGIN IMMEDIATE``). Either way the binding itself is the authority: the device's state machine
refuses a device that no longer qualifies, and the active-binding index a device bound twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from collecte.auth.models import User
from collecte.core.errors import Conflict, NotFound, Reason
from collecte.core.vocabulary import N_
from collecte.devices import codes
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.service import get_device_for_work
from collecte.requests import binding, policy
from collecte.requests.allocation import GRADE_RANK, Candidate, Need, allocate, meets
from collecte.requests.lifecycle import REQUEST_MACHINE, RequestStatus
from collecte.requests.models import Allocation, EquipmentRequest, RequestLine
from collecte.requests.service import LineCounts, line_counts

_CHUNK = 5000  # ids per IN list (SQLite's bound-parameter limit is far above, but not unbounded)


@dataclass
class AllocationRun:
    """What a run did."""

    requests: int = 0
    lines: int = 0
    allocated: int = 0
    unfilled: int = 0
    device_codes: list[str] = field(default_factory=list)


def _candidate(device: Device) -> Candidate | None:
    if device.grade is None:
        return None
    return Candidate(
        id=device.id,
        category=device.category.value,
        grade=device.grade,
        ram_gb=device.ram_gb,
        storage_gb=device.storage_gb,
        in_stock_since=device.history_since,
    )


def _needs(
    requests: Sequence[EquipmentRequest], counts: dict[int, LineCounts]
) -> list[tuple[EquipmentRequest, RequestLine, Need]]:
    """What each line still needs, in the order given (lines by id within a request)."""
    needs = []
    for request in requests:
        for line in request.lines:
            missing = line.quantity - counts.get(line.id, LineCounts()).allocated
            if missing > 0:
                need = Need(
                    line_id=line.id,
                    category=line.category.value,
                    quantity=missing,
                    min_grade=line.min_grade,
                    min_ram_gb=line.min_ram_gb,
                    min_storage_gb=line.min_storage_gb,
                )
                needs.append((request, line, need))
    return needs


def _stock(
    session: Session, *, workshop_id: int, categories: set[str], lock: bool = True
) -> list[Candidate]:
    """The workshop's devices that could be allocated now, locked for this run on PostgreSQL
    (not for a preview, which binds nothing). A pre-filter only: the device's state machine
    decides (a hold, a missing erasure)."""
    query = select(
        Device.id,
        Device.category,
        Device.grade,
        Device.ram_gb,
        Device.storage_gb,
        Device.history_since,
    ).where(
        Device.organization_id == workshop_id,
        Device.status == DeviceStatus.AVAILABLE,
        Device.hold_reason.is_(None),
        Device.category.in_(sorted(categories)),
        Device.grade.in_(list(GRADE_RANK)),
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Device)
    return [
        Candidate(id, category.value, grade, ram, storage, since)
        for id, category, grade, ram, storage, since in session.execute(query)
        if grade is not None
    ]


@dataclass
class PlannedLine:
    """What best fit gives one line: the devices it would take, and how many it still needs."""

    request: EquipmentRequest
    line: RequestLine
    need: Need
    device_ids: list[int]

    @property
    def unfilled(self) -> int:
        return self.need.quantity - len(self.device_ids)


def plan_allocation(
    session: Session, *, requests: Sequence[EquipmentRequest], lock: bool = False
) -> list[PlannedLine]:
    """What a run over these requests (in this order) would bind, computed without binding: the
    same needs, stock and best fit as the run, which binds exactly this plan. Unlocked, it is a
    preview: by the time the run comes, the stock may have moved."""
    needs = _needs(requests, line_counts(session, [r.id for r in requests]))
    by_workshop: dict[int, list[tuple[EquipmentRequest, RequestLine, Need]]] = {}
    for item in needs:
        by_workshop.setdefault(item[0].workshop_id, []).append(item)
    planned: list[PlannedLine] = []
    for workshop_id, items in by_workshop.items():
        stock = _stock(
            session,
            workshop_id=workshop_id,
            categories={need.category for *_, need in items},
            lock=lock,
        )
        chosen = allocate([need for *_, need in items], stock)
        planned.extend(
            PlannedLine(request, line, need, chosen.get(line.id, []))
            for request, line, need in items
        )
    return planned


def _run(session: Session, *, actor: User, requests: Sequence[EquipmentRequest]) -> AllocationRun:
    run = AllocationRun(requests=len(requests))
    planned = plan_allocation(session, requests=requests, lock=True)
    run.lines = len(planned)
    ids = [device_id for item in planned for device_id in item.device_ids]
    devices: dict[int, Device] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        devices.update(
            (d.id, d) for d in session.scalars(select(Device).where(Device.id.in_(chunk)))
        )
    for item in planned:
        for device_id in item.device_ids:
            device = devices[device_id]
            binding.bind(session, actor=actor, request=item.request, line=item.line, device=device)
            run.device_codes.append(device.code)
        run.allocated += len(item.device_ids)
        run.unfilled += item.unfilled
    return run


def _require_approved(request: EquipmentRequest) -> None:
    if request.status is not RequestStatus.APPROVED:
        raise REQUEST_MACHINE.refuse(
            _not_approved(request), allowed=REQUEST_MACHINE.allowed_next(request.status)
        )


def _not_approved(request: EquipmentRequest) -> Reason:
    return Reason(
        "request_not_approved",
        N_("devices are allocated to approved requests only; this one is %(status)s"),
        {"status": request.status},
    )


def allocate_request(session: Session, *, viewer: User, request: EquipmentRequest) -> AllocationRun:
    """Give this approved request's lines the best-fitting devices of its workshop's stock."""
    policy.require_decide(viewer, request)
    _require_approved(request)
    return _run(session, actor=viewer, requests=[request])


def preview_request(
    session: Session, *, viewer: User, request: EquipmentRequest
) -> list[PlannedLine]:
    """What ``allocate_request`` would bind now, binding nothing."""
    policy.require_decide(viewer, request)
    _require_approved(request)
    return plan_allocation(session, requests=[request])


def _served_by_all(session: Session, viewer: User) -> list[EquipmentRequest]:
    """The approved requests an "allocate all" run serves, oldest approval first."""
    policy.require_allocator(viewer)
    query = (
        policy.visible_requests(viewer)
        .where(EquipmentRequest.status == RequestStatus.APPROVED)
        .options(selectinload(EquipmentRequest.lines))
        .order_by(EquipmentRequest.approved_at, EquipmentRequest.id)
    )
    return [r for r in session.scalars(query) if policy.may_decide(viewer, r)]


def allocate_all(session: Session, *, viewer: User) -> AllocationRun:
    """Serve every approved request the viewer decides on, oldest approval first."""
    return _run(session, actor=viewer, requests=_served_by_all(session, viewer))


def preview_all(session: Session, *, viewer: User) -> list[PlannedLine]:
    """What ``allocate_all`` would bind now, binding nothing."""
    return plan_allocation(session, requests=_served_by_all(session, viewer))


def allocate_device(
    session: Session,
    *,
    viewer: User,
    request: EquipmentRequest,
    raw_code: str,
    line_id: int | None = None,
) -> Allocation:
    """Bind one scanned device to a line of this request: the line named, else the first line it
    meets that still needs devices."""
    policy.require_decide(viewer, request)
    _require_approved(request)
    device = get_device_for_work(session, viewer=viewer, raw_code=raw_code)
    counts = line_counts(session, [request.id])
    candidate = _candidate(device)
    lines = [line for line in request.lines if line_id is None or line.id == line_id]
    if line_id is not None and not lines:
        raise NotFound("not_found", N_("no line %(line)s on this request"), line=line_id)
    code = codes.format_code(device.code)
    bound = session.scalar(
        select(Allocation.request_id).where(
            Allocation.device_id == device.id, Allocation.ended_at.is_(None)
        )
    )
    if bound is not None:
        # Said before binding: the active-binding index would refuse it too, as a database error.
        raise Conflict(
            "device_already_allocated",
            N_("device %(code)s is already allocated to request %(other)s"),
            code=code,
            other=bound,
        )
    if device.organization_id != request.workshop_id:
        raise Conflict(
            "device_of_another_workshop",
            N_("device %(code)s is not in the stock of the workshop request %(request)s is for"),
            code=code,
            request=request.id,
        )
    for request_item, line, need in _needs([request], counts):
        if line in lines and candidate is not None and meets(candidate, need):
            return binding.bind(
                session, actor=viewer, request=request_item, line=line, device=device
            )
    raise Conflict(
        "device_meets_no_line",
        N_("device %(code)s meets no line of request %(request)s that still needs devices"),
        code=code,
        request=request.id,
    )


def release_device(
    session: Session, *, viewer: User, request: EquipmentRequest, raw_code: str, reason: str
) -> None:
    """Take an allocated device out of the request: it goes back to stock."""
    policy.require_decide(viewer, request)
    device = get_device_for_work(session, viewer=viewer, raw_code=raw_code)
    for allocation, bound in binding.active_bindings(session, request.id):
        if bound.id == device.id:
            binding.unbind(
                session,
                actor=viewer,
                request=request,
                allocation=allocation,
                device=device,
                reason=reason,
            )
            return
    raise Conflict(
        "device_not_in_request",
        N_("device %(code)s is not allocated to request %(request)s"),
        code=codes.format_code(device.code),
        request=request.id,
    )


def device_code(session: Session, device_id: int) -> str:
    return session.scalars(select(Device.code).where(Device.id == device_id)).one()
