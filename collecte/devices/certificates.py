"""Erasure certificates: per device, and per donor batch (one row per storage medium).

A batch certificate is refused while any storage of the batch is untreated or failed: a
certificate that lists only the good drives would hide the bad ones. A pickup's certificate also
says which declared devices have not been received, so it never reads as covering them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.errors import Conflict, Forbidden, NotFound
from collecte.core.i18n import gettext as _
from collecte.core.i18n import ngettext
from collecte.core.pdf import SMALL, in_language, local_time, paragraph, table
from collecte.core.vocabulary import N_, label
from collecte.devices.codes import format_code
from collecte.devices.models import Device, ErasureRecord
from collecte.devices.policy import visible_devices
from collecte.devices.rules import device_facts, facts_for
from collecte.devices.service import people_names
from collecte.documents.issuer import Issuer, programme_issuer, workshop_issuer
from collecte.documents.service import Issued, issue_document
from collecte.orgs.models import Organization
from collecte.pickups.models import Pickup
from collecte.pickups.policy import may_read_donor_reports
from collecte.pickups.service import reconciliation

STATEMENT = N_(
    "The storage media listed below were sanitised following NIST SP 800-88 Rev. 1 (Clear, Purge or "
    "Destroy) and the result was verified as stated. Each row is one storage medium, identified by its "
    "serial number; the operator and verifier are the workshop staff who performed and checked it."
)
HEADER = [
    N_("Device"),
    N_("Storage (make / model / serial)"),
    N_("Method · NIST"),
    N_("Tool"),
    N_("Started – ended (Paris time)"),
    N_("Result"),
    N_("Verification"),
    N_("Operator / verifier"),
]
RESULTS = {"erased": N_("ERASED"), "failed": N_("FAILED"), "aborted": N_("ABORTED")}
WIDTHS = [18 * mm, 38 * mm, 24 * mm, 18 * mm, 26 * mm, 16 * mm, 20 * mm, 20 * mm]


def _when(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def _erasures(session: Session, devices: Sequence[Device]) -> list[dict[str, Any]]:
    """What the certificate says of each storage medium (its facts, in stored values)."""
    erasures = list(
        session.scalars(
            select(ErasureRecord)
            .where(ErasureRecord.device_id.in_([d.id for d in devices]))
            .order_by(ErasureRecord.device_id, ErasureRecord.id)
        )
    )
    people = people_names(session, {i for e in erasures for i in (e.operator_id, e.verifier_id)})
    codes = {d.id: format_code(d.code) for d in devices}
    return [
        {
            "device": codes[e.device_id],
            "storage": " / ".join(
                x for x in (e.storage_make, e.storage_model, e.storage_serial) if x
            ),
            "method": f"{e.method} · {e.nist_level}",
            "tool": f"{e.tool} {e.tool_version}".strip(),
            "started_at": _when(e.started_at),
            "ended_at": _when(e.ended_at),
            "result": e.result,
            "verification_method": e.verification_method,
            "verified": e.verified,
            "people": [people.get(i, "—") for i in (e.operator_id, e.verifier_id) if i],
        }
        for e in erasures
    ]


def _moment(iso: str) -> str:
    return local_time(dt.datetime.fromisoformat(iso)) if iso else "—"


def _erasure_table(rows: list[dict[str, Any]]) -> Flowable:
    lines = [[_(h) for h in HEADER]]
    for row in rows:
        verified = _("verified") if row["verified"] else _("NOT verified")
        lines.append(
            [
                row["device"],
                row["storage"],
                row["method"],
                row["tool"],
                f"{_moment(row['started_at'])} – {_moment(row['ended_at'])}",
                _(RESULTS[row["result"]]) if row["result"] in RESULTS else row["result"].upper(),
                f"{row['verification_method'] or '—'} · {verified}",
                " / ".join(row["people"]) or "—",
            ]
        )
    return table(lines, WIDTHS)


def device_certificate(
    session: Session, *, device: Device, actor: User, settings: Settings, language: str
) -> Issued:
    """The erasure certificate of one device; refused until its storage is verified erased."""
    facts = device_facts(session, device)
    if not facts.carries_storage:
        raise Conflict(
            "no_storage", N_("the device has no storage: there is no erasure to certify")
        )
    if not facts.erasure_cleared:
        raise Conflict(
            "no_verified_erasure", N_("no verified erasure yet: the certificate cannot be issued")
        )
    code = format_code(device.code)
    rows = _erasures(session, [device])
    described = {
        "code": code,
        "category": device.category.value,
        "model": f"{device.brand} {device.model}",
        "serial": device.serial or "—",
    }

    def body() -> list[Flowable]:
        return [
            paragraph(
                _("Device %(code)s: %(category)s, %(model)s, serial %(serial)s")
                % {**described, "category": label(device.category)}
            ),
            Spacer(1, 3 * mm),
            paragraph(_(STATEMENT), SMALL),
            Spacer(1, 3 * mm),
            _erasure_table(rows),
        ]

    with in_language(language):
        title = _("Erasure certificate — device %(code)s") % {"code": code}
        covers = _("device %(code)s (%(model)s, serial %(serial)s)") % described
    return issue_document(
        session,
        kind="erasure_certificate",
        subject=f"device:{device.code}",
        language=language,
        title=title,
        covers=covers,
        facts={"device": described, "erasures": rows},
        render=body,
        issuer=workshop_issuer(session.get_one(Organization, device.organization_id)),
        organization_id=device.donor_id,
        produced_by=actor,
        programme=settings.programme_name,
        public_base_url=settings.public_base_url,
    )


def still_expected(found: dict[str, Any]) -> tuple[list[str], int]:
    """Of a pickup's reconciliation: the declared serials and the number of declared devices not received."""
    short = sum(max(c["declared"] - c["received"], 0) for c in found["categories"])
    return list(found["missing_serials"]), short


def _batch_issuer(session: Session, devices: Sequence[Device], programme: str) -> Issuer:
    """The single workshop holding the batch's devices, else the programme."""
    holders = {d.organization_id for d in devices}
    if len(holders) == 1:
        return workshop_issuer(session.get_one(Organization, holders.pop()))
    return programme_issuer(programme)


def _expected_flowables(pickup_facts: dict[str, Any]) -> list[Flowable]:
    counts = [
        [_("Category"), _("Declared"), _("Received")],
        *(
            [label(c["category"]), str(c["declared"]), str(c["received"])]
            for c in pickup_facts["categories"]
        ),
        [_("Total"), str(pickup_facts["declared_total"]), str(pickup_facts["received_total"])],
    ]
    missing, short = still_expected(pickup_facts)
    flowables: list[Flowable] = [
        Spacer(1, 3 * mm),
        paragraph(_("Declared and received devices of this pickup:")),
        table(counts, [70 * mm, 35 * mm, 35 * mm]),
        Spacer(1, 2 * mm),
    ]
    if missing:
        flowables.append(
            paragraph(
                ngettext(
                    "%(n)s declared serial number has not been received, and is not covered by "
                    "this certificate: %(serials)s",
                    "%(n)s declared serial numbers have not been received, and are not covered by "
                    "this certificate: %(serials)s",
                    len(missing),
                )
                % {"n": len(missing), "serials": ", ".join(missing)}
            )
        )
    if short:
        flowables.append(
            paragraph(
                ngettext(
                    "%(n)s declared device has not been received: this certificate does not "
                    "cover it.",
                    "%(n)s declared devices have not been received: this certificate does not "
                    "cover them.",
                    short,
                )
                % {"n": short}
            )
        )
    if not missing and not short:
        flowables.append(paragraph(_("Every declared device has been received.")))
    return flowables


def batch_certificate(
    session: Session,
    *,
    devices: Sequence[Device],
    donor: Organization,
    pickup: Pickup | None,
    actor: User,
    settings: Settings,
    language: str,
) -> Issued:
    """The certificate for a donor's batch: one row per storage; refused while any is untreated or failed."""
    facts = facts_for(session, (d.id for d in devices))  # one query for the whole batch
    with_storage = [d for d in devices if facts[d.id].carries_storage]
    if not with_storage:
        raise NotFound("batch_without_storage", N_("this batch has no device with storage"))
    untreated = [format_code(d.code) for d in with_storage if not facts[d.id].erasure_cleared]
    if untreated:
        shown = ", ".join(untreated[:30]) + (" …" if len(untreated) > 30 else "")
        raise Conflict(
            "batch_not_erased",
            N_("%(count)s storage device(s) not yet verified erased: %(shown)s"),
            extra={"untreated": untreated},
            count=len(untreated),
            shown=shown,
        )
    rows = _erasures(session, with_storage)
    pickup_facts = reconciliation(session, pickup=pickup) if pickup is not None else None

    def batch_label() -> str:
        if pickup is None:
            return _("all devices received")
        return _("pickup %(id)s") % {"id": pickup.id}

    def body() -> list[Flowable]:
        flowables: list[Flowable] = [
            paragraph(
                _("Donor: %(donor)s, %(postcode)s %(city)s")
                % {"donor": donor.name, "postcode": donor.postcode, "city": donor.city}
            ),
            paragraph(
                _(
                    "Batch: %(batch)s. %(received)s device(s) received, %(storage)s with storage, "
                    "all verified erased."
                )
                % {"batch": batch_label(), "received": len(devices), "storage": len(with_storage)}
            ),
        ]
        if pickup_facts is not None:
            flowables += _expected_flowables(pickup_facts)
        return [
            *flowables,
            Spacer(1, 3 * mm),
            paragraph(_(STATEMENT), SMALL),
            Spacer(1, 3 * mm),
            _erasure_table(rows),
        ]

    with in_language(language):
        title = _("Erasure certificate — %(donor)s") % {"donor": donor.name}
        covers = _("%(batch)s of %(donor)s: %(n)s device(s) with storage") % {
            "batch": batch_label(),
            "donor": donor.name,
            "n": len(with_storage),
        }
    return issue_document(
        session,
        kind="erasure_certificate_batch",
        subject=f"donor:{donor.id}:"
        + (f"pickup {pickup.id}" if pickup else "all devices received"),
        language=language,
        title=title,
        covers=covers,
        facts={
            "donor": [donor.name, donor.postcode, donor.city],
            "devices": sorted(format_code(d.code) for d in devices),
            "erasures": rows,
            "pickup": pickup_facts,
        },
        render=body,
        issuer=_batch_issuer(session, devices, settings.programme_name),
        organization_id=donor.id,
        produced_by=actor,
        programme=settings.programme_name,
        public_base_url=settings.public_base_url,
    )


def donor_batch_certificate(
    session: Session,
    *,
    viewer: User,
    donor: Organization,
    pickup_id: int | None,
    settings: Settings,
    language: str,
) -> Issued:
    """The certificate for a donor's devices the viewer may see, all of them or one pickup's."""
    if not may_read_donor_reports(viewer):
        raise Forbidden(
            "partner_reads_no_certificates", N_("a partner may not read donors' certificates")
        )
    query = visible_devices(viewer).where(Device.donor_id == donor.id).order_by(Device.id)
    pickup = None
    if pickup_id is not None:
        query = query.where(Device.pickup_id == pickup_id)
        pickup = session.get(Pickup, pickup_id)
        if pickup is not None and pickup.donor_id != donor.id:
            pickup = None  # another donor's pickup: none of this donor's devices came from it
    devices = list(session.scalars(query))
    if not devices:
        raise NotFound(
            "not_found", N_("no device of this batch has been received, or none is visible to you")
        )
    return batch_certificate(
        session,
        devices=devices,
        donor=donor,
        pickup=pickup,
        actor=viewer,
        settings=settings,
        language=language,
    )
