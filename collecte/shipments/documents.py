"""The delivery note of a shipment: what left the workshop for the partner, one barcode a device,
and, once the partner confirmed delivery, what it received. Issued once per content.

The note states each device as it was dispatched (its grade then, what the delivery said of it):
a device that later comes back, is graded again and leaves for someone else does not change a
note already handed out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.errors import Conflict
from collecte.core.i18n import gettext as _
from collecte.core.pdf import (
    BODY,
    SMALL,
    Barcode,
    in_language,
    lines,
    local_time,
    paragraph,
    signature_boxes,
    table,
)
from collecte.core.vocabulary import N_, label
from collecte.devices.codes import format_code
from collecte.devices.models import Device, GradeRecord
from collecte.documents.issuer import Issuer, workshop_issuer
from collecte.documents.service import Issued, issue_document
from collecte.orgs.models import Organization
from collecte.requests.models import Allocation, BindingEnd
from collecte.shipments.lifecycle import ShipmentStatus
from collecte.shipments.models import Shipment
from collecte.shipments.service import NOT_RECEIVED, shipment_devices

# What the delivery said of a device, as the note words it.
OUTCOMES = {
    "received": N_("received"),
    "returned": N_("not received: back to the workshop"),
    "lost": N_("not received: lost"),
}
BARCODE_COLUMN = 41 * mm  # the longest 8-character symbol (36.4 mm) and the cell's padding
CODE_COLUMN = 25 * mm  # "7K3Q XMT5" on one line


def code_cell(code: str) -> Flowable:
    """A device code as people read it aloud and type it: grouped, on one line."""
    return paragraph(format_code(code).replace(" ", "\u00a0"), BODY)


def grades_at(
    session: Session, devices: Sequence[Device], moment: dt.datetime
) -> dict[int, str | None]:
    """Each device's grade as it stood at moment (its latest grading then), else its grade now."""
    graded: dict[int, str | None] = {d.id: d.grade.value if d.grade else None for d in devices}
    earlier = session.execute(
        select(GradeRecord.device_id, GradeRecord.grade)
        .where(
            GradeRecord.device_id.in_([d.id for d in devices]), GradeRecord.recorded_at <= moment
        )
        .order_by(GradeRecord.id)
    )
    for device_id, grade in earlier:
        graded[device_id] = grade.value  # ordered by id: the last one written wins
    return graded


def partner_lines(partner: Organization) -> list[str]:
    """The partner as an address block: name, street, postcode and city."""
    return [
        x
        for x in (partner.name, partner.address, f"{partner.postcode} {partner.city}".strip())
        if x
    ]


def _outcome(shipment: Shipment, allocation: Allocation) -> dict[str, str] | None:
    """What the delivery said of one device; None until the partner confirmed delivery."""
    if shipment.status is not ShipmentStatus.DELIVERED:
        return None
    if allocation.delivered_at is not None:
        return {"outcome": "received", "reason": ""}
    lost = allocation.end is BindingEnd.LOST
    return {"outcome": "lost" if lost else "returned", "reason": allocation.end_reason}


def _device_rows(session: Session, shipment: Shipment, when: dt.datetime) -> list[dict[str, Any]]:
    picked = shipment_devices(session, shipment.id)
    grades = grades_at(session, [d for _, d in picked], when)
    return [
        {
            "code": device.code,
            "category": device.category.value,
            "brand": device.brand,
            "model": device.model,
            "serial": device.serial,
            "grade": grades[device.id],
            "delivery": _outcome(shipment, allocation),
        }
        for allocation, device in picked
    ]


def _device_table(rows: list[dict[str, Any]], delivered: bool) -> Flowable:
    header = [_("Barcode"), _("Code"), _("Category"), _("Brand / model"), _("Serial"), _("Grade")]
    widths = [BARCODE_COLUMN, CODE_COLUMN, 22 * mm, 45 * mm, 32 * mm, 15 * mm]
    if delivered:
        header.append(_("Delivery"))
        widths[3:] = [32 * mm, 25 * mm, 12 * mm, 23 * mm]
    cells: list[list[str | Flowable]] = [list(header)]
    for row in rows:
        line: list[str | Flowable] = [
            Barcode(row["code"]),
            code_cell(row["code"]),
            label(row["category"]),
            f"{row['brand']} {row['model']}".strip(),
            row["serial"] or "—",
            row["grade"] or "—",
        ]
        if delivered:
            said = row["delivery"]
            text = _(OUTCOMES[said["outcome"]])
            # The reason the service records when the partner gave none says nothing more.
            reason = "" if said["reason"] == NOT_RECEIVED else said["reason"]
            line.append(f"{text} ({reason})" if reason else text)
        cells.append(line)
    return table(cells, widths)


def _parties(issuer: Issuer, partner: Organization) -> Flowable:
    """Who sends (the issuing workshop, with its SIRET) and who receives, side by side."""
    siret = _("SIRET %(siret)s") % {"siret": issuer.siret} if issuer.siret else ""
    return table(
        [
            [_("From (workshop)"), _("To (partner)")],
            [
                lines([issuer.name, issuer.address, issuer.postcode_city, siret]),
                lines(partner_lines(partner)),
            ],
        ],
        [90 * mm, 90 * mm],
    )


def delivery_note(
    session: Session, *, shipment: Shipment, actor: User, settings: Settings, language: str
) -> Issued:
    """The delivery note of a dispatched shipment, issued once per content and language."""
    dispatched_at = shipment.dispatched_at
    if dispatched_at is None or shipment.status is ShipmentStatus.PREPARING:
        raise Conflict(
            "shipment_not_dispatched",
            N_("shipment %(shipment)s has not been dispatched: there is no delivery note yet"),
            shipment=shipment.id,
        )
    partner = session.get_one(Organization, shipment.partner_id)
    issuer = workshop_issuer(session.get_one(Organization, shipment.workshop_id))
    rows = _device_rows(session, shipment, dispatched_at)
    delivered_at = shipment.delivered_at
    facts = {
        "shipment": shipment.id,
        "request": shipment.request_id,
        "partner": partner_lines(partner),
        "carrier": shipment.carrier,
        "dispatched_at": dispatched_at.isoformat(),
        "delivered_at": delivered_at.isoformat() if delivered_at else None,
        "devices": rows,
    }
    numbers = {"request": shipment.request_id, "shipment": shipment.id, "n": len(rows)}

    def body() -> list[Flowable]:
        said = [r["delivery"]["outcome"] for r in rows if r["delivery"]]
        sent = [
            _("Request no. %(request)s · shipment no. %(shipment)s · %(n)s device(s)") % numbers,
            _("Dispatched on %(when)s (Paris time)") % {"when": local_time(dispatched_at)},
        ]
        if shipment.carrier:
            sent.append(_("Carrier: %(carrier)s") % {"carrier": shipment.carrier})
        flowables: list[Flowable] = [
            _parties(issuer, partner),
            Spacer(1, 3 * mm),
            *(paragraph(line) for line in sent),
        ]
        if delivered_at is not None:
            flowables.append(
                paragraph(
                    _(
                        "Delivery confirmed on %(when)s (Paris time): %(received)s received, "
                        "%(missing)s not received."
                    )
                    % {
                        "when": local_time(delivered_at),
                        "received": said.count("received"),
                        "missing": len(said) - said.count("received"),
                    }
                )
            )
        return [
            *flowables,
            Spacer(1, 3 * mm),
            _device_table(rows, delivered_at is not None),
            Spacer(1, 5 * mm),
            KeepTogether(
                [
                    paragraph(
                        _(
                            "On receipt, check the parcels and scan or tick each device; write "
                            "any missing or damaged device under reservations, then confirm "
                            "the delivery in Collecte."
                        ),
                        SMALL,
                    ),
                    Spacer(1, 2 * mm),
                    signature_boxes(
                        [
                            (
                                _("Received by %(partner)s") % {"partner": partner.name},
                                _("Name, date and signature"),
                            ),
                            (_("Reservations"), _("Missing or damaged devices")),
                        ]
                    ),
                ]
            ),
        ]

    with in_language(language):
        title = _("Delivery note — shipment no. %(shipment)s") % numbers
        covers = _(
            "shipment no. %(shipment)s of request no. %(request)s to %(partner)s: %(n)s device(s)"
        ) % {**numbers, "partner": partner.name}
    return issue_document(
        session,
        kind="delivery_note",
        subject=f"shipment:{shipment.id}",
        language=language,
        title=title,
        covers=covers,
        facts=facts,
        render=body,
        issuer=issuer,
        organization_id=partner.id,
        produced_by=actor,
        programme=settings.programme_name,
        public_base_url=settings.public_base_url,
    )
