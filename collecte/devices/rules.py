"""The rules that gate a status change, and the facts they read.

The facts come from one SQLAlchemy ``select`` (``facts_select``), the same for the ORM path (one
device, ``device_facts``), for sets of devices (``facts_for``: certificates, pages) and for the
scan station's plain look-up, which embeds it in its own statement. The rules themselves are pure
functions of those facts (``rule_against``, ``next_statuses``, ``DeviceFacts.carries_storage``):
nothing restates them in SQL or elsewhere.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Session, aliased

from collecte.core.db import among
from collecte.core.errors import Reason
from collecte.core.events import Event, EventKind
from collecte.core.vocabulary import N_
from collecte.devices.checklists import Category
from collecte.devices.grading import Grade, is_distributable
from collecte.devices.lifecycle import (
    ERASURE_REQUIRED,
    PARTNER_FLOW,
    DeviceStatus,
    allowed_next,
)
from collecte.devices.models import Device, DiagnosisRecord, ErasureRecord, GradeRecord

# Categories that always carry storage: a technician who finds none records it explicitly.
STORAGE_CATEGORIES: frozenset[Category] = frozenset(
    {Category.LAPTOP, Category.DESKTOP, Category.SMARTPHONE, Category.TABLET}
)


@dataclass(frozen=True)
class DeviceFacts:
    """A device's state and what its records say since its history last started afresh."""

    id: int
    status: DeviceStatus
    grade: Grade | None
    hold_reason: str | None
    category: Category
    declared_storage: bool
    storage_gb: int | None
    diagnosed: bool
    graded: bool
    # Storage media with a record since the reset, and those whose latest record is a verified
    # erasure (or destruction): a later failure of a medium un-clears it.
    media: int
    cleared_media: int
    # Any erasure record ever, and whether "no storage present" was recorded after the latest one.
    erasure_recorded: bool
    storage_absent: bool

    @property
    def carries_storage(self) -> bool:
        """Storage is assumed wherever anything says so, until a technician records its absence."""
        if self.storage_absent:
            return False
        return (
            self.declared_storage
            or bool(self.storage_gb)
            or self.category in STORAGE_CATEGORIES
            or self.erasure_recorded
        )

    @property
    def erasure_cleared(self) -> bool:
        """Every storage medium recorded is verified erased or destroyed (and there is one)."""
        return self.media > 0 and self.media == self.cleared_media


def _after(column: Any, since: Any) -> ColumnElement[bool]:
    return column >= since  # type: ignore[no-any-return]


# The device's own columns the rules read, by the names ``facts_of`` expects.
STATE_COLUMNS: dict[str, Any] = {
    "id": Device.id,
    "status": Device.status,
    "grade": Device.grade,
    "hold_reason": Device.hold_reason,
    "category": Device.category,
    "declared_storage": Device.has_storage,
    "storage_gb": Device.storage_gb,
}


def record_columns() -> list[Any]:
    """What the records say of the device in the enclosing statement (correlated on ``devices``),
    labelled by the names ``facts_of`` expects."""
    # Since the device's history last started afresh (intake, a return, a find).
    since = Device.history_since
    latest = aliased(ErasureRecord)
    medium_latest_id = (
        select(func.max(latest.id))
        .where(
            latest.device_id == ErasureRecord.device_id,
            latest.storage_serial == ErasureRecord.storage_serial,
            _after(latest.recorded_at, since),
        )
        # Two levels down, auto-correlation reaches only the enclosing erasure record: without
        # this, ``devices`` joined this subquery's FROM as a cross join of the whole table (about
        # 20 ms a device on 100,000 devices, for every status change and every facts read).
        .correlate_except(latest)
        .scalar_subquery()
    )
    erasures_since = and_(
        ErasureRecord.device_id == Device.id, _after(ErasureRecord.recorded_at, since)
    )
    last_storage_word = (
        select(Event.kind)
        .where(
            Event.device_id == Device.id,
            Event.kind.in_([EventKind.ERASURE, EventKind.STORAGE_ABSENT]),
            _after(Event.recorded_at, since),
        )
        # Newest first: this transaction's own events, not numbered until it commits, lead.
        .order_by(Event.seq.desc().nulls_first(), Event.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return [
        exists()
        .where(DiagnosisRecord.device_id == Device.id, _after(DiagnosisRecord.recorded_at, since))
        .label("diagnosed"),
        exists()
        .where(GradeRecord.device_id == Device.id, _after(GradeRecord.recorded_at, since))
        .label("graded"),
        select(func.count(func.distinct(ErasureRecord.storage_serial)))
        .where(erasures_since)
        .scalar_subquery()
        .label("media"),
        select(func.count())
        .select_from(ErasureRecord)
        .where(
            erasures_since,
            ErasureRecord.id == medium_latest_id,
            ErasureRecord.result == "erased",
            ErasureRecord.verified,
        )
        .scalar_subquery()
        .label("cleared_media"),
        exists().where(ErasureRecord.device_id == Device.id).label("erasure_recorded"),
        (func.coalesce(last_storage_word, "") == EventKind.STORAGE_ABSENT.value).label(
            "storage_absent"
        ),
    ]


@functools.cache  # a statement is immutable, and building this one takes a millisecond or more
def facts_select() -> Select[Any]:
    """The facts of the devices a caller narrows with ``.where(...)``."""
    return select(
        *(column.label(name) for name, column in STATE_COLUMNS.items()), *record_columns()
    )


def facts_of(
    state: Mapping[str, Any] | Any, records: Mapping[str, Any] | Any = None
) -> DeviceFacts:
    """The facts from the device's columns (``STATE_COLUMNS``' names) and ``record_columns``'
    values (the same row when it carries both, as ``facts_select``'s rows do)."""
    values = {**{name: state[name] for name in STATE_COLUMNS}, **_records_of(records or state)}
    return DeviceFacts(
        id=int(values["id"]),
        status=DeviceStatus(values["status"]),
        grade=Grade(values["grade"]) if values["grade"] is not None else None,
        hold_reason=values["hold_reason"],
        category=Category(values["category"]),
        declared_storage=bool(values["declared_storage"]),
        storage_gb=values["storage_gb"],
        diagnosed=bool(values["diagnosed"]),
        graded=bool(values["graded"]),
        media=int(values["media"] or 0),
        cleared_media=int(values["cleared_media"] or 0),
        erasure_recorded=bool(values["erasure_recorded"]),
        storage_absent=bool(values["storage_absent"]),
    )


RECORD_FACTS = (
    "diagnosed",
    "graded",
    "media",
    "cleared_media",
    "erasure_recorded",
    "storage_absent",
)


def _records_of(row: Any) -> dict[str, Any]:
    return {name: row[name] for name in RECORD_FACTS}


def device_facts(session: Session, device: Device) -> DeviceFacts:
    """Read the facts the rules need about a device, in one query."""
    session.flush()  # the device's own changes and records added in this transaction count
    row = session.execute(facts_select().where(Device.id == device.id)).mappings().one()
    return facts_of(row)


def facts_for(session: Session, device_ids: Iterable[int]) -> dict[int, DeviceFacts]:
    """The facts of many devices in one query, by device id."""
    wanted = sorted(set(device_ids))
    if not wanted:
        return {}
    session.flush()
    rows = session.execute(facts_select().where(among(Device.id, wanted))).mappings()
    return {row["id"]: facts_of(row) for row in rows}


def rule_against(target: DeviceStatus, facts: DeviceFacts) -> Reason | None:
    """The rule that refuses this legal transition given the device's facts, or None."""
    storage = facts.carries_storage
    if target is DeviceStatus.WIPED and not storage:
        return Reason("no_storage_to_wipe", N_("the device has no storage to wipe"))
    needs_erasure = target in ERASURE_REQUIRED or target is DeviceStatus.WIPED
    if needs_erasure and storage and not facts.erasure_cleared:
        return Reason(
            "no_verified_erasure",
            N_(
                "data protection: the storage has no verified erasure (or recorded destruction) yet"
            ),
        )
    if target is DeviceStatus.DIAGNOSED and not facts.diagnosed:
        return Reason(
            "diagnosis_not_recorded",
            N_("record the diagnosis checklist to mark the device diagnosed"),
        )
    if target is DeviceStatus.GRADED:
        if not facts.diagnosed:
            return Reason("not_diagnosed", N_("diagnose the device before grading it"))
        if not facts.graded:
            return Reason(
                "grade_not_recorded",
                N_("record the grade (functional and cosmetic) to mark the device graded"),
            )
    if target is DeviceStatus.AVAILABLE:
        if facts.grade is None:
            return Reason("not_graded", N_("grade the device before making it available"))
        if not is_distributable(facts.grade):
            return Reason(
                "grade_not_distributable",
                N_("grade %(grade)s is not distributable: send it to parts or recycling"),
                {"grade": facts.grade.value},
            )
    if target in ERASURE_REQUIRED and facts.status is not target and facts.hold_reason:
        return Reason(
            "device_on_hold", N_("the device is on hold: %(reason)s"), {"reason": facts.hold_reason}
        )
    return None


def generic_refusal(target: DeviceStatus, facts: DeviceFacts) -> Reason | None:
    """What refuses a status change made by hand (a transition, a scan, a bulk action) rather than
    by the partner flow's services: entering or leaving allocated, shipped, delivered or handed
    over, which a binding to a request line, a shipment or a hand-over must explain."""
    if target in PARTNER_FLOW or facts.status in PARTNER_FLOW:
        return Reason(
            "partner_flow_only",
            N_(
                "%(status)s is reached and left only through requests, shipments, returns and "
                "hand-overs"
            ),
            {"status": target if target in PARTNER_FLOW else facts.status},
        )
    return None


def next_statuses(facts: DeviceFacts) -> list[DeviceStatus]:
    """The statuses a change by hand may reach: allowed by the table and by every rule."""
    return [
        s
        for s in allowed_next(facts.status)
        if generic_refusal(s, facts) is None and rule_against(s, facts) is None
    ]


def possible_next(session: Session, device: Device) -> list[DeviceStatus]:
    """The statuses the device could move to now: allowed by the table and by every rule."""
    return next_statuses(device_facts(session, device))
