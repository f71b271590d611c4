"""Erasure certificates: per device, and per donor batch (one row per storage medium).

A batch certificate is refused while any storage of the batch is untreated or failed: a
certificate that lists only the good drives would hide the bad ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.core.errors import Conflict, Forbidden, NotFound
from collecte.core.pdf import SMALL, build_pdf, paragraph, table
from collecte.core.types import utcnow
from collecte.devices.codes import format_code
from collecte.devices.models import Device, ErasureRecord
from collecte.devices.policy import visible_devices
from collecte.devices.service import has_verified_erasure, people_names
from collecte.documents.models import Document
from collecte.documents.service import record_document
from collecte.orgs.models import Organization

STATEMENT = (
    "The storage media listed below were sanitised following NIST SP 800-88 Rev. 1 (Clear, Purge or "
    "Destroy) and the result was verified as stated. Each row is one storage medium, identified by its "
    "serial number; the operator and verifier are the workshop staff who performed and checked it."
)
HEADER = [
    "Device",
    "Storage (make / model / serial)",
    "Method · NIST",
    "Tool",
    "Started → ended (UTC)",
    "Result",
    "Verification",
    "Operator / verifier",
]
WIDTHS = [18 * mm, 38 * mm, 24 * mm, 20 * mm, 26 * mm, 14 * mm, 20 * mm, 20 * mm]


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M") if value else "—"


def _rows(session: Session, devices: Sequence[Device]) -> list[list[str]]:
    erasures = list(
        session.scalars(
            select(ErasureRecord)
            .where(ErasureRecord.device_id.in_([d.id for d in devices]))
            .order_by(ErasureRecord.device_id, ErasureRecord.id)
        )
    )
    people = people_names(session, {i for e in erasures for i in (e.operator_id, e.verifier_id)})
    codes = {d.id: format_code(d.code) for d in devices}
    rows = [HEADER]
    for e in erasures:
        rows.append(
            [
                codes[e.device_id],
                " / ".join(x for x in (e.storage_make, e.storage_model, e.storage_serial) if x),
                f"{e.method} · {e.nist_level}",
                f"{e.tool} {e.tool_version}".strip(),
                f"{_when(e.started_at)} → {_when(e.ended_at)}",
                e.result.upper(),
                f"{e.verification_method or '—'}: {'verified' if e.verified else 'NOT verified'}",
                " / ".join(people.get(i, "—") for i in (e.operator_id, e.verifier_id) if i) or "—",
            ]
        )
    return rows


def _issue(
    session: Session,
    *,
    actor: User,
    programme: str,
    title: str,
    covers: str,
    kind: str,
    subject: str,
    organization_id: int | None,
    body: list[Flowable],
) -> tuple[bytes, Document]:
    content = build_pdf(
        programme=programme, title=title, covers=covers, produced_at=utcnow(), body=body
    )
    document = record_document(
        session,
        kind=kind,
        title=title,
        subject=subject,
        content=content,
        organization_id=organization_id,
        produced_by=actor,
    )
    return content, document


def device_certificate(
    session: Session, *, device: Device, actor: User, programme: str
) -> tuple[bytes, Document]:
    """The erasure certificate of one device; refused until its storage is verified erased."""
    if not device.has_storage:
        raise Conflict("the device has no storage: there is no erasure to certify")
    if not has_verified_erasure(session, device):
        raise Conflict("no verified erasure yet: the certificate cannot be issued")
    code = format_code(device.code)
    body: list[Flowable] = [
        paragraph(
            f"Device {code}: {device.category.value}, {device.brand} {device.model}, serial {device.serial or '—'}"
        ),
        Spacer(1, 3 * mm),
        paragraph(STATEMENT, SMALL),
        Spacer(1, 3 * mm),
        table(_rows(session, [device]), WIDTHS),
    ]
    return _issue(
        session,
        actor=actor,
        programme=programme,
        title=f"Erasure certificate — device {code}",
        covers=f"device {code} ({device.brand} {device.model}, serial {device.serial or 'unknown'})",
        kind="erasure_certificate",
        subject=f"device:{device.code}",
        organization_id=device.donor_id,
        body=body,
    )


def batch_certificate(
    session: Session,
    *,
    devices: Sequence[Device],
    donor: Organization,
    actor: User,
    programme: str,
    batch_label: str,
) -> tuple[bytes, Document]:
    """The certificate for a donor's batch: one row per storage; refused while any is untreated or failed."""
    with_storage = [d for d in devices if d.has_storage]
    if not with_storage:
        raise NotFound("this batch has no device with storage")
    untreated = [format_code(d.code) for d in with_storage if not has_verified_erasure(session, d)]
    if untreated:
        shown = ", ".join(untreated[:30]) + (" …" if len(untreated) > 30 else "")
        raise Conflict(
            f"{len(untreated)} storage device(s) not yet verified erased: {shown}",
            untreated=untreated,
        )
    body: list[Flowable] = [
        paragraph(f"Donor: {donor.name}, {donor.postcode} {donor.city}"),
        paragraph(
            f"Batch: {batch_label}. {len(devices)} device(s) received, {len(with_storage)} with storage, "
            f"all verified erased."
        ),
        Spacer(1, 3 * mm),
        paragraph(STATEMENT, SMALL),
        Spacer(1, 3 * mm),
        table(_rows(session, with_storage), WIDTHS),
    ]
    return _issue(
        session,
        actor=actor,
        programme=programme,
        title=f"Erasure certificate — {donor.name}",
        covers=f"{batch_label} of {donor.name}: {len(with_storage)} device(s) with storage",
        kind="erasure_certificate_batch",
        subject=f"donor:{donor.id}:{batch_label}",
        organization_id=donor.id,
        body=body,
    )


def donor_batch_certificate(
    session: Session, *, viewer: User, donor: Organization, pickup_id: int | None, programme: str
) -> tuple[bytes, Document]:
    """The certificate for a donor's devices the viewer may see, all of them or one pickup's."""
    if viewer.role is Role.PARTNER:
        raise Forbidden("a partner may not read donors' certificates")
    query = visible_devices(viewer).where(Device.donor_id == donor.id).order_by(Device.id)
    if pickup_id is not None:
        query = query.where(Device.pickup_id == pickup_id)
    devices = list(session.scalars(query))
    if not devices:
        raise NotFound("no device of this batch has been received, or none is visible to you")
    label = f"pickup {pickup_id}" if pickup_id is not None else "all devices received"
    return batch_certificate(
        session, devices=devices, donor=donor, actor=viewer, programme=programme, batch_label=label
    )
