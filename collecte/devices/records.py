"""Workshop records: diagnosis, erasure (typed in or parsed from an nwipe log), grading, repairs.

Each record appends an event, and moves the device on where the record completes a step
(a passed checklist -> diagnosed, a verified erasure -> wiped, a grade -> graded).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.policy import WORKSHOP_ROLES
from collecte.core.errors import Conflict, InvalidInput, InvalidTransition
from collecte.core.events import (
    DiagnosisPayload,
    ErasurePayload,
    EventKind,
    GradePayload,
    Payload,
    RepairPayload,
)
from collecte.core.forms import local_time
from collecte.core.vocabulary import N_
from collecte.devices import nwipe
from collecte.devices.checklists import ChecklistError, validate_checks
from collecte.devices.grading import GradeError, grade_for, parse_cosmetic, parse_functional
from collecte.devices.lifecycle import DEVICE_MACHINE, IN_WORKSHOP, DeviceStatus
from collecte.devices.models import (
    Device,
    DiagnosisRecord,
    ErasureRecord,
    GradeRecord,
    RepairRecord,
)
from collecte.devices.rules import device_facts, possible_next
from collecte.devices.service import change_status, has_verified_erasure, record_device_event

# What each record is refused with outside the workshop (``%(status)s``: the device's status).
_OUTSIDE_WORKSHOP = {
    "diagnosis": N_("a diagnosis cannot be recorded while the device is %(status)s"),
    "erasure": N_("an erasure cannot be recorded while the device is %(status)s"),
    "grade": N_("a grade cannot be recorded while the device is %(status)s"),
    "repair": N_("a repair cannot be recorded while the device is %(status)s"),
}


def _refuse_outside_workshop(session: Session, device: Device, what: str) -> InvalidTransition:
    return InvalidTransition(
        f"{what}_outside_workshop",
        _OUTSIDE_WORKSHOP[what],
        allowed=[s.value for s in possible_next(session, device)],
        status=device.status,
    )


def _require_step(session: Session, device: Device, step: DeviceStatus, what: str) -> None:
    """A record may be taken where the step it completes is reachable, or repeated in place."""
    if device.status is not step and not DEVICE_MACHINE.can(device.status, step):
        raise _refuse_outside_workshop(session, device, what)


def _complete_step(
    session: Session,
    *,
    device: Device,
    actor: User,
    step: DeviceStatus,
    kind: EventKind,
    note: str,
    payload: Payload,
) -> None:
    """Move the device to the step a record completes; a repeated record is only an event."""
    if device.status is step:
        record_device_event(
            session, device=device, actor=actor, kind=kind, note=note, payload=payload
        )
    else:
        change_status(
            session, device=device, actor=actor, to=step, note=note, payload=payload, kind=kind
        )


def record_diagnosis(
    session: Session,
    *,
    device: Device,
    actor: User,
    result: str,
    checks: dict[str, Any],
    notes: str = "",
) -> DiagnosisRecord:
    """Record the category's checklist; the device becomes diagnosed."""
    _require_step(session, device, DeviceStatus.DIAGNOSED, "diagnosis")
    try:
        normalised = validate_checks(device.category, checks)
    except ChecklistError as exc:
        raise InvalidInput(
            "invalid_checklist",
            N_("the checklist is incomplete or invalid: %(problems)s"),
            extra={"problems": exc.problems},
            problems=exc.reasons,
        ) from exc
    record = DiagnosisRecord(
        device_id=device.id, result=result, checks=normalised, notes=notes, technician_id=actor.id
    )
    session.add(record)
    session.flush()  # the transition below checks that a diagnosis exists
    _complete_step(
        session,
        device=device,
        actor=actor,
        step=DeviceStatus.DIAGNOSED,
        kind=EventKind.DIAGNOSIS,
        note=notes,
        payload=DiagnosisPayload.model_validate({"result": result, "diagnosis_id": record.id}),
    )
    return record


def _require_after_receipt(
    device: Device, *, started_at: dt.datetime | None, ended_at: dt.datetime | None
) -> None:
    """Refuse an erasure that ended before the device was received (at intake, or back from a
    return or a find: ``history_since``, where its records start counting again). It wiped
    something else, or the data the device held before; either way it cannot clear it now."""
    ended = ended_at or started_at
    if ended is not None and ended < device.history_since:
        raise Conflict(
            "erasure_before_receipt",
            N_(
                "the erasure ended on %(ended)s, before the device was received on "
                "%(received)s: it cannot clear the data the device holds now"
            ),
            ended=local_time(ended),
            received=local_time(device.history_since),
        )


def record_erasure(
    session: Session,
    *,
    device: Device,
    actor: User,
    storage_serial: str,
    method: str,
    nist_level: str,
    tool: str,
    result: str,
    verified: bool,
    storage_make: str = "",
    storage_model: str = "",
    storage_size_bytes: int | None = None,
    tool_version: str = "",
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    verification_method: str = "",
    verifier_id: int | None = None,
    log_sha256: str | None = None,
    log_text: str | None = None,
    advance: bool = True,
) -> ErasureRecord:
    """Record one storage's erasure, whenever the device is in the workshop (graded included:
    grading first is how a workshop decides between reuse and recycling). Once every recorded
    storage is verified erased, the device becomes wiped where that step is still ahead
    (``advance=False`` leaves that to the caller, for a multi-drive log)."""
    facts = device_facts(session, device)
    if not facts.carries_storage and not facts.storage_absent:
        raise Conflict("no_storage", N_("the device has no storage: no erasure to record"))
    if device.status not in IN_WORKSHOP:
        raise _refuse_outside_workshop(session, device, "erasure")
    if started_at and ended_at and ended_at < started_at:
        raise InvalidInput(
            "erasure_ends_before_start", N_("the erasure cannot end before it started")
        )
    _require_after_receipt(device, started_at=started_at, ended_at=ended_at)
    if verified and result != "erased":
        raise InvalidInput("verified_not_erased", N_("only an erased storage can be verified"))
    if verified and not (verification_method or nist_level == "destroy"):
        raise InvalidInput(
            "verification_method_missing",
            N_("say how the erasure was verified (verification_method)"),
        )
    if verifier_id is not None:
        _require_verifier(session, device=device, actor=actor, verifier_id=verifier_id)
    record = ErasureRecord(
        device_id=device.id,
        storage_make=storage_make,
        storage_model=storage_model,
        storage_serial=storage_serial.strip(),
        storage_size_bytes=storage_size_bytes,
        method=method,
        nist_level=nist_level,
        tool=tool,
        tool_version=tool_version,
        started_at=started_at,
        ended_at=ended_at,
        result=result,
        verification_method=verification_method,
        verified=verified,
        operator_id=actor.id,
        verifier_id=verifier_id,
        log_sha256=log_sha256,
        log_text=log_text,
    )
    session.add(record)
    session.flush()  # the wiped transition below looks for this verified record
    payload = ErasurePayload.model_validate(
        {
            "erasure_id": record.id,
            "storage_serial": record.storage_serial,
            "result": result,
            "verified": verified,
        }
    )
    record_device_event(
        session, device=device, actor=actor, kind=EventKind.ERASURE, payload=payload
    )
    if advance:
        advance_to_wiped(session, device=device, actor=actor)
    return record


def _require_verifier(session: Session, *, device: Device, actor: User, verifier_id: int) -> None:
    """The verifier is the operator, an active admin, or an active coordinator or technician of
    the device's workshop: the name goes on the certificate. The refusal names no account (the
    caller may not see the one it named)."""
    if verifier_id == actor.id:
        return
    verifier = session.get(User, verifier_id)
    staff = verifier is not None and (
        verifier.role is Role.ADMIN
        or (verifier.role in WORKSHOP_ROLES and verifier.organization_id == device.organization_id)
    )
    if verifier is None or not verifier.active or not staff:
        raise InvalidInput(
            "verifier_not_workshop_staff",
            N_(
                "the verifier must be the operator, an administrator, or an active coordinator "
                "or technician of the device's workshop"
            ),
        )


def advance_to_wiped(session: Session, *, device: Device, actor: User) -> None:
    """Mark the device wiped once every recorded storage is verified erased, where the wiped step
    is still ahead (a graded device stays graded: its erasure is on record)."""
    if DEVICE_MACHINE.can(device.status, DeviceStatus.WIPED) and has_verified_erasure(
        session, device
    ):
        change_status(session, device=device, actor=actor, to=DeviceStatus.WIPED)


def import_nwipe_log(
    session: Session, *, device: Device, actor: User, raw: bytes
) -> list[ErasureRecord]:
    """Parse an nwipe/ShredOS log and record one erasure per drive it reports."""
    try:
        report = nwipe.parse_nwipe_log(raw)
    except nwipe.NwipeLogError as exc:
        raise InvalidInput(
            "unreadable_nwipe_log",
            N_("not a readable nwipe log: %(problem)s"),
            problem=exc.reason,
        ) from exc
    text = raw.decode("utf-8", errors="replace")
    records = []
    for drive in report.drives:
        records.append(
            record_erasure(
                session,
                device=device,
                actor=actor,
                storage_serial=drive.serial or drive.device_path,
                storage_model=drive.model,
                storage_size_bytes=drive.size_bytes,
                method=drive.method,
                # nwipe overwrites the medium: NIST SP 800-88 "Clear" for HDDs and most SSD uses.
                nist_level="clear",
                tool=report.tool,
                tool_version=report.tool_version or "",
                started_at=drive.started_at,
                ended_at=drive.ended_at,
                result=drive.result,
                verification_method=drive.verification if drive.verified else "",
                verified=drive.verified,
                log_sha256=report.sha256,
                log_text=text,
                advance=False,
            )
        )
    advance_to_wiped(session, device=device, actor=actor)
    return records


def record_grade(
    session: Session,
    *,
    device: Device,
    actor: User,
    functional: str,
    cosmetic: str,
    notes: str = "",
) -> GradeRecord:
    """Grade on the two axes; the partner-facing grade follows, and the device becomes graded."""
    try:
        f_level, c_level = parse_functional(functional), parse_cosmetic(cosmetic)
    except GradeError as exc:
        raise InvalidInput.because(exc.reason) from exc
    _require_step(session, device, DeviceStatus.GRADED, "grade")
    grade = grade_for(functional, cosmetic)
    record = GradeRecord(
        device_id=device.id,
        functional=f_level,
        cosmetic=c_level,
        grade=grade,
        notes=notes,
        technician_id=actor.id,
    )
    session.add(record)
    session.flush()  # the graded transition below looks for this grade record
    _complete_step(
        session,
        device=device,
        actor=actor,
        step=DeviceStatus.GRADED,
        kind=EventKind.GRADE,
        note=notes,
        payload=GradePayload(functional=f"F{f_level}", cosmetic=f"C{c_level}", grade=grade.value),
    )
    device.grade = grade
    return record


def record_repair(
    session: Session,
    *,
    device: Device,
    actor: User,
    description: str,
    parts: list[dict[str, Any]],
    minutes: int,
) -> RepairRecord:
    """Record a repair: parts used and time spent (integration work hours when on such a contract)."""
    if device.status not in IN_WORKSHOP:
        raise _refuse_outside_workshop(session, device, "repair")
    record = RepairRecord(
        device_id=device.id,
        description=description,
        parts=parts,
        minutes=minutes,
        technician_id=actor.id,
        integration_contract=actor.integration_contract,
    )
    session.add(record)
    record_device_event(
        session,
        device=device,
        actor=actor,
        kind=EventKind.REPAIR,
        note=description,
        payload=RepairPayload.model_validate(
            {"minutes": minutes, "parts": parts, "integration_contract": actor.integration_contract}
        ),
    )
    return record


def device_records(session: Session, device: Device) -> dict[str, list[Any]]:
    """Every record of a device, newest first, by kind."""

    def rows(model: Any) -> list[Any]:
        return list(
            session.scalars(
                select(model).where(model.device_id == device.id).order_by(model.id.desc())
            )
        )

    return {
        "diagnoses": rows(DiagnosisRecord),
        "erasures": rows(ErasureRecord),
        "grades": rows(GradeRecord),
        "repairs": rows(RepairRecord),
    }
