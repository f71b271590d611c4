"""The rules that gate a status change, and the facts they read from the records.

One fixed SQL statement reads the facts (``device_facts``); the rules themselves are pure
(``rule_against``, ``next_statuses``), so the scan look-up can apply them to facts it read in its
own statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from collecte.devices.grading import is_distributable
from collecte.devices.lifecycle import ERASURE_REQUIRED, DeviceStatus, allowed_next
from collecte.devices.models import Device


@dataclass(frozen=True)
class DeviceFacts:
    """What the records say about a device since it last came back from a partner."""

    diagnosed: bool
    graded: bool
    # Every storage medium recorded is verified erased or destroyed: the latest record of each
    # medium counts, so a later failure un-clears it.
    erasure_cleared: bool


# One round trip for every fact the rules need (the scan station asks on every scan). Plain SQL
# because the statement is fixed: building and caching it through the ORM cost more than running
# it. "Since the last return" compares with the latest event that moved the device to returned.
# ``{device}`` is the SQL expression of the device's id: the scan look-up embeds the same facts
# (its own aliases must differ from the ones used here: d, g, e, r, since, latest).
FACTS_CTES = """
    since AS (
        SELECT MAX(at) AS at FROM device_events
        WHERE device_id = {device} AND to_status = 'returned'
    ),
    latest AS (
        SELECT e.result, e.verified FROM erasure_records e
        WHERE e.id IN (
            SELECT MAX(r.id) FROM erasure_records r, since
            WHERE r.device_id = {device} AND (since.at IS NULL OR r.recorded_at >= since.at)
            GROUP BY r.storage_serial
        )
    )
"""
FACTS_COLUMNS = """
    EXISTS (SELECT 1 FROM diagnosis_records d, since
            WHERE d.device_id = {device} AND (since.at IS NULL OR d.recorded_at >= since.at))
        AS f_diagnosed,
    EXISTS (SELECT 1 FROM grade_records g, since
            WHERE g.device_id = {device} AND (since.at IS NULL OR g.recorded_at >= since.at))
        AS f_graded,
    (SELECT COUNT(*) FROM latest) AS f_media,
    (SELECT COUNT(*) FROM latest WHERE result = 'erased' AND verified) AS f_cleared
"""
_FACTS_SQL = text(
    f"WITH {FACTS_CTES.format(device=':device_id')} SELECT {FACTS_COLUMNS.format(device=':device_id')}"
)


def facts_of(diagnosed: object, graded: object, media: int, cleared: int) -> DeviceFacts:
    """The facts from the four values the facts SQL selects."""
    return DeviceFacts(
        diagnosed=bool(diagnosed),
        graded=bool(graded),
        erasure_cleared=media > 0 and media == cleared,
    )


def device_facts(session: Session, device: Device) -> DeviceFacts:
    """Read the facts the rules need about a device, in one query."""
    session.flush()  # records added in this transaction count
    return facts_of(*session.execute(_FACTS_SQL, {"device_id": device.id}).one())


def blocking_rule(session: Session, device: Device, target: DeviceStatus) -> str | None:
    """Why a legal transition is still refused (data protection, records, grade, hold), or None."""
    return rule_against(device, target, device_facts(session, device))


def rule_against(device: Device, target: DeviceStatus, facts: DeviceFacts) -> str | None:
    """The rule that refuses this legal transition given the device's facts, or None."""
    if target is DeviceStatus.WIPED and not device.has_storage:
        return "the device has no storage to wipe"
    needs_erasure = target in ERASURE_REQUIRED or target is DeviceStatus.WIPED
    if needs_erasure and device.has_storage and not facts.erasure_cleared:
        return "data protection: the storage has no verified erasure (or recorded destruction) yet"
    if target is DeviceStatus.DIAGNOSED and not facts.diagnosed:
        return "record the diagnosis checklist to mark the device diagnosed"
    if target is DeviceStatus.GRADED:
        if not facts.diagnosed:
            return "diagnose the device before grading it"
        if not facts.graded:
            return "record the grade (functional and cosmetic) to mark the device graded"
    if target is DeviceStatus.AVAILABLE:
        if device.grade is None:
            return "grade the device before making it available"
        if not is_distributable(device.grade):
            return f"grade {device.grade} is not distributable: send it to parts or recycling"
    if target in ERASURE_REQUIRED and device.status is not target and device.hold_reason:
        return f"the device is on hold: {device.hold_reason}"
    return None


def possible_next(session: Session, device: Device) -> list[DeviceStatus]:
    """The statuses the device could move to now: allowed by the table and by every rule."""
    return next_statuses(device, device_facts(session, device))


def next_statuses(device: Device, facts: DeviceFacts) -> list[DeviceStatus]:
    """The statuses allowed by the table and by every rule, given the device's facts."""
    return [s for s in allowed_next(device.status) if rule_against(device, s, facts) is None]
