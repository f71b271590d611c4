"""Allocation runs: the devices of a workshop's stock given to approved request lines, best fit
(``allocation.allocate``), one request or every approved one (oldest approval first), and a
device scanned into a request by hand.

A run locks the requests it serves first (``FOR UPDATE`` on PostgreSQL): two runs never count the
same line's needs at once, so no line gets more devices than it asks for. It reads the stock as it
stands, gives each line its best fit, then takes the devices it chose: their rows are locked for
it (``FOR UPDATE SKIP LOCKED``), and a device another run holds, or one the device's rules refuse
(on hold, no verified erasure), is left out and best fit runs again without it. Only the devices a
run binds are held, so concurrent runs over one stock each find what the others left. On SQLite,
writers take turns already (``BEGIN IMMEDIATE``). Binding is one ``binding.bind_many`` however
many devices: the machine's checks, every status in one statement, the events at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from collecte.auth.models import User
from collecte.core.db import among
from collecte.core.errors import Conflict, NotFound, Reason
from collecte.core.vocabulary import N_
from collecte.devices import codes
from collecte.devices.grading import Grade
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.rules import DeviceFacts, facts_for
from collecte.devices.service import get_device_for_work
from collecte.requests import binding, policy
from collecte.requests.allocation import GRADE_RANK, Candidate, Need, allocate, meets
from collecte.requests.lifecycle import REQUEST_MACHINE, RequestStatus
from collecte.requests.models import Allocation, EquipmentRequest, RequestLine
from collecte.requests.service import LineCounts, line_counts

_GRADES = {grade.value: grade for grade in Grade}


@dataclass
class AllocationRun:
    """What a run did."""

    requests: int = 0
    lines: int = 0
    allocated: int = 0
    unfilled: int = 0
    device_codes: list[str] = field(default_factory=list)


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


def _stock(session: Session, *, workshop_id: int, categories: set[str]) -> list[Candidate]:
    """The workshop's devices that could be allocated, as they stand (nothing locked): a
    pre-filter only, the device's state machine decides (a hold, a missing erasure)."""
    # Category and grade read as the strings they are stored as: a run reads the whole stock,
    # and turning 100,000 of each into enum members and back took a third of a second.
    query = select(
        Device.id,
        type_coerce(Device.category, String),
        type_coerce(Device.grade, String),
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
    return [
        Candidate(id, category, _GRADES[grade], ram, storage, since)
        for id, category, grade, ram, storage, since in session.execute(query)
    ]


def _hold(session: Session, device_ids: set[int]) -> dict[int, Device]:
    """Those of these devices this run now holds, as their rows now stand: locked for it (on
    PostgreSQL, one another transaction holds is skipped, not waited for), still available and
    not on hold."""
    query = select(Device).where(
        among(Device.id, device_ids),
        Device.status == DeviceStatus.AVAILABLE,
        Device.hold_reason.is_(None),
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    # Whatever this session read of them before, the objects say what the rows say now.
    held = session.scalars(query.execution_options(populate_existing=True))
    return {device.id: device for device in held}


@dataclass
class _Taken:
    """The devices a run holds and the rules accept, with the facts read of them."""

    devices: dict[int, Device] = field(default_factory=dict)
    facts: dict[int, DeviceFacts] = field(default_factory=dict)


def _take(
    session: Session, needs: Sequence[Need], stock: Sequence[Candidate], taken: _Taken
) -> dict[int, list[int]]:
    """Best fit over the stock, the devices chosen held for this run and checked by the rules
    (into ``taken``); what another run holds or the rules refuse is left out and best fit runs
    again (again only when something was left out: contention, a bad device)."""
    candidates = list(stock)
    while True:
        chosen = allocate(needs, candidates)
        new = {device for ids in chosen.values() for device in ids} - taken.devices.keys()
        if not new:
            return chosen
        held = _hold(session, new)
        refused = set()
        for device_id, facts in facts_for(session, held).items():
            if binding.refusal(facts) is None:
                taken.devices[device_id], taken.facts[device_id] = held[device_id], facts
            else:
                refused.add(device_id)
        left_out = (new - held.keys()) | refused
        if not left_out:
            return chosen
        candidates = [c for c in candidates if c.id not in left_out]


def _plan(
    session: Session, *, requests: Sequence[EquipmentRequest], taken: _Taken | None
) -> list[PlannedLine]:
    """Best fit for these requests' lines; into ``taken`` (a run), the devices held for them."""
    needs = _needs(requests, line_counts(session, [r.id for r in requests]))
    by_workshop: dict[int, list[tuple[EquipmentRequest, RequestLine, Need]]] = {}
    for item in needs:
        by_workshop.setdefault(item[0].workshop_id, []).append(item)
    planned: list[PlannedLine] = []
    for workshop_id, items in by_workshop.items():
        stock = _stock(
            session, workshop_id=workshop_id, categories={need.category for *_, need in items}
        )
        lines = [need for *_, need in items]
        chosen = allocate(lines, stock) if taken is None else _take(session, lines, stock, taken)
        planned.extend(
            PlannedLine(request, line, need, chosen.get(line.id, []))
            for request, line, need in items
        )
    return planned


def plan_allocation(
    session: Session, *, requests: Sequence[EquipmentRequest], lock: bool = False
) -> list[PlannedLine]:
    """What a run over these requests (in this order) would bind, binding nothing: the same
    needs, stock and best fit as the run. Unlocked, it is a preview: by the time the run comes,
    the stock may have moved; locked, the devices planned are held for this transaction."""
    return _plan(session, requests=requests, taken=_Taken() if lock else None)


Progress = Callable[[str], None]
"""Told what a run is doing as it starts each step (a command's progress bar)."""

RUN_STEPS = 2  # choosing the devices, binding them


def _run(
    session: Session,
    *,
    actor: User,
    requests: Sequence[EquipmentRequest],
    on_progress: Progress | None = None,
) -> AllocationRun:
    tell = on_progress or (lambda _step: None)
    tell(f"choosing devices for {len(requests)} request(s)")
    taken = _Taken()
    planned = _plan(session, requests=requests, taken=taken)
    picks = [
        (item.request, item.line, taken.devices[device_id])
        for item in planned
        for device_id in item.device_ids
    ]
    tell(f"binding {len(picks)} device(s)")
    # Binding is the last thing a run writes before its transaction commits.
    binding.bind_many(session, actor=actor, picks=picks, facts=taken.facts, last_write=True)
    return AllocationRun(
        requests=len(requests),
        lines=len(planned),
        allocated=len(picks),
        unfilled=sum(item.unfilled for item in planned),
        device_codes=[device.code for *_, device in picks],
    )


def _lock(session: Session, request: EquipmentRequest) -> None:
    """Hold the request's row for this transaction (PostgreSQL), as it now stands: a run serving
    it elsewhere finishes first, and its bindings count."""
    session.refresh(request, ["status", "version"], with_for_update=True)


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


def allocate_request(
    session: Session,
    *,
    viewer: User,
    request: EquipmentRequest,
    on_progress: Progress | None = None,
) -> AllocationRun:
    """Give this approved request's lines the best-fitting devices of its workshop's stock."""
    policy.require_decide(viewer, request)
    _lock(session, request)
    _require_approved(request)
    return _run(session, actor=viewer, requests=[request], on_progress=on_progress)


def preview_request(
    session: Session, *, viewer: User, request: EquipmentRequest
) -> list[PlannedLine]:
    """What ``allocate_request`` would bind now, binding nothing."""
    policy.require_decide(viewer, request)
    _require_approved(request)
    return plan_allocation(session, requests=[request])


def _served_by_all(session: Session, viewer: User, *, lock: bool = False) -> list[EquipmentRequest]:
    """The approved requests an "allocate all" run serves, oldest approval first (locked in that
    order for a run, so two runs never wait on each other crosswise; not for a preview)."""
    policy.require_allocator(viewer)
    query = (
        policy.visible_requests(viewer)
        .where(EquipmentRequest.status == RequestStatus.APPROVED)
        .options(selectinload(EquipmentRequest.lines))
        .order_by(EquipmentRequest.approved_at, EquipmentRequest.id)
    )
    if lock:
        query = query.with_for_update(of=EquipmentRequest).execution_options(populate_existing=True)
    return [r for r in session.scalars(query) if policy.may_decide(viewer, r)]


def allocate_all(
    session: Session, *, viewer: User, on_progress: Progress | None = None
) -> AllocationRun:
    """Serve every approved request the viewer decides on, oldest approval first."""
    requests = _served_by_all(session, viewer, lock=True)
    return _run(session, actor=viewer, requests=requests, on_progress=on_progress)


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
    _lock(session, request)
    _require_approved(request)
    device = get_device_for_work(session, viewer=viewer, raw_code=raw_code)
    # Its row held for this transaction, as it now stands: a run binding it finishes first, and
    # the machine then sees it allocated.
    session.refresh(device, with_for_update=True)
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
        # Said before binding, naming the request (the active-binding index would refuse it too).
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
