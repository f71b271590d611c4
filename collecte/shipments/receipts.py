"""The hand-over receipt: the paper a beneficiary keeps (many have no email), naming the device and
its barcode, how its storage was erased, the warranty and return terms, with lines to sign.

The beneficiary appears by the partner's pseudonym only, as everywhere else. The receipt states
the device as it was handed over: an erasure or a grading after it (the device came back and went
through the workshop again) belongs to a later hand-over, not to this one.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.errors import Conflict
from collecte.core.i18n import gettext as _
from collecte.core.i18n import ngettext
from collecte.core.pdf import (
    HEADING,
    LOCAL_ZONE,
    Barcode,
    euros,
    in_language,
    local_day,
    local_time,
    paragraph,
    signature_boxes,
    table,
)
from collecte.core.vocabulary import N_, label
from collecte.devices.codes import format_code
from collecte.devices.models import Device, ErasureRecord
from collecte.devices.rules import device_facts
from collecte.documents.issuer import workshop_issuer
from collecte.documents.service import Issued, issue_document
from collecte.orgs.models import Organization
from collecte.requests.models import EquipmentRequest
from collecte.shipments.documents import (
    BARCODE_COLUMN,
    CODE_COLUMN,
    code_cell,
    grades_at,
    partner_lines,
)
from collecte.shipments.models import Handover


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day months later, or the month's last day when it has none (31 Aug + 6 → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _erasures_before(session: Session, device: Device, moment: dt.datetime) -> list[dict[str, str]]:
    """Each storage medium's latest verified erasure recorded before moment."""
    latest = (
        select(func.max(ErasureRecord.id))
        .where(ErasureRecord.device_id == device.id, ErasureRecord.recorded_at <= moment)
        .group_by(ErasureRecord.storage_serial)
    )
    records = session.scalars(
        select(ErasureRecord)
        .where(
            ErasureRecord.id.in_(latest),
            ErasureRecord.result == "erased",
            ErasureRecord.verified,
        )
        .order_by(ErasureRecord.id)
    )
    return [
        {
            "storage": " ".join(x for x in (e.storage_make, e.storage_model) if x),
            "nist_level": e.nist_level,
            "method": e.method,
            "verification_method": e.verification_method,
            "erased_at": (e.ended_at or e.recorded_at).isoformat(),
        }
        for e in records
    ]


def _erasure_paragraphs(erasures: list[dict[str, str]]) -> list[Flowable]:
    if not erasures:
        return [paragraph(_("This device has no storage medium: it held no data to erase."))]
    return [
        paragraph(
            _(
                "Its storage%(storage)s was erased following NIST SP 800-88 (%(level)s, method "
                "%(method)s) and the erasure verified (%(verification)s) on %(when)s (Paris time)."
            )
            % {
                "storage": f" ({e['storage']})" if e["storage"] else "",
                "level": label(e["nist_level"]),
                "method": e["method"],
                "verification": e["verification_method"] or "—",
                "when": local_time(dt.datetime.fromisoformat(e["erased_at"])),
            }
        )
        for e in erasures
    ]


def _terms(months: int, until: dt.date, partner: str) -> list[Flowable]:
    if months:
        warranty = ngettext(
            "Warranty: %(months)s month from the hand-over, until %(until)s, against faults "
            "in normal use (not breakage, liquid damage or repairs made elsewhere). In case of a "
            "fault, bring the device back to %(partner)s with this receipt: it is repaired or "
            "replaced.",
            "Warranty: %(months)s months from the hand-over, until %(until)s, against faults "
            "in normal use (not breakage, liquid damage or repairs made elsewhere). In case of a "
            "fault, bring the device back to %(partner)s with this receipt: it is repaired or "
            "replaced.",
            months,
        ) % {"months": months, "until": local_day(until), "partner": partner}
    else:
        warranty = _("This device is handed over without warranty.")
    returns = _(
        "Returns: a device that does not suit may be brought back to %(partner)s. Remove your "
        "files and sign out of your accounts first: the workshop erases the storage again "
        "before the device goes to anyone else."
    ) % {"partner": partner}
    return [paragraph(warranty), paragraph(returns)]


def handover_receipt(
    session: Session, *, handover: Handover, actor: User, settings: Settings, language: str
) -> Issued:
    """The receipt of a hand-over, issued once per content and language."""
    device = session.get_one(Device, handover.device_id)
    request = session.get_one(EquipmentRequest, handover.request_id)
    partner = session.get_one(Organization, handover.partner_id)
    handed_at = handover.handed_over_at
    erasures = _erasures_before(session, device, handed_at)
    if not erasures and device_facts(session, device).carries_storage:
        # Unreachable through the services (no device with storage leaves without a verified
        # erasure); should data ever say otherwise, no receipt claims an erasure it cannot name.
        raise Conflict(
            "no_verified_erasure",
            N_("device %(code)s has no verified erasure: there is no hand-over receipt"),
            code=format_code(device.code),
        )
    months = settings.warranty_months
    until = add_months(handed_at.astimezone(LOCAL_ZONE).date(), months)
    described = {
        "code": device.code,
        "category": device.category.value,
        "brand": device.brand,
        "model": device.model,
        "serial": device.serial,
        "grade": grades_at(session, [device], handed_at)[device.id],
    }
    undone = handover.undone_at
    facts: dict[str, Any] = {
        "handover": handover.id,
        "request": request.id,
        "partner": partner_lines(partner),
        "beneficiary_ref": handover.beneficiary_ref,
        "handed_over_at": handed_at.isoformat(),
        "price_paid_eur": handover.price_paid_eur,
        "device": described,
        "erasures": erasures,
        "warranty_months": months,
        "undone": [undone.isoformat(), handover.undo_reason] if undone else None,
    }
    names = {
        "code": format_code(device.code),
        "partner": partner.name,
        "ref": handover.beneficiary_ref,
    }

    def body() -> list[Flowable]:
        flowables: list[Flowable] = []
        if undone is not None:
            flowables.append(
                paragraph(
                    _("Cancelled on %(when)s (%(reason)s): this receipt no longer applies.")
                    % {"when": local_time(undone), "reason": handover.undo_reason}
                )
            )
        handed = _("Handed over on %(when)s (Paris time) by %(partner)s, %(address)s") % {
            **names,
            "when": local_time(handed_at),
            "address": ", ".join(partner_lines(partner)[1:]),
        }
        flowables += [
            paragraph(handed),
            paragraph(_("Beneficiary (pseudonym): %(ref)s") % names),
        ]
        if handover.price_paid_eur:
            price = euros(handover.price_paid_eur)
            flowables.append(paragraph(_("Solidarity price paid: %(price)s") % {"price": price}))
        device_row: list[str | Flowable] = [
            Barcode(device.code),
            code_cell(device.code),
            label(device.category),
            f"{device.brand} {device.model}".strip(),
            device.serial or "—",
            described["grade"] or "—",
        ]
        header = [_("Barcode"), _("Code"), _("Category"), _("Brand / model"), _("Serial")]
        return [
            *flowables,
            Spacer(1, 3 * mm),
            table(
                [[*header, _("Grade")], device_row],
                [BARCODE_COLUMN, CODE_COLUMN, 24 * mm, 44 * mm, 31 * mm, 15 * mm],
            ),
            Spacer(1, 4 * mm),
            paragraph(_("Data erasure"), HEADING),
            *_erasure_paragraphs(erasures),
            Spacer(1, 4 * mm),
            paragraph(_("Warranty and returns"), HEADING),
            *_terms(months, until, partner.name),
            Spacer(1, 6 * mm),
            KeepTogether(
                signature_boxes(
                    [
                        (_("For %(partner)s") % names, _("Name, date and signature")),
                        (
                            _("The beneficiary, %(ref)s") % names,
                            _("Date and signature (no name is recorded)"),
                        ),
                    ]
                )
            ),
        ]

    with in_language(language):
        title = _("Hand-over receipt — device %(code)s") % names
        covers = _("device %(code)s handed over by %(partner)s to beneficiary %(ref)s") % names
    return issue_document(
        session,
        kind="handover_receipt",
        subject=f"handover:{handover.id}",
        language=language,
        title=title,
        covers=covers,
        facts=facts,
        render=body,
        issuer=workshop_issuer(session.get_one(Organization, request.workshop_id)),
        organization_id=partner.id,
        produced_by=actor,
        programme=settings.programme_name,
        public_base_url=settings.public_base_url,
    )
