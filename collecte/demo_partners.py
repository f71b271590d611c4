"""Demo partners' requests at every stage, through the real services: one waiting for a decision,
one rejected, one cancelled after its device was allocated (the device back in stock), one
approved and served by a best-fit run, one shipped, and one delivered whose devices were handed
over to beneficiaries (pseudonyms, never names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.demo_devices import DemoSpec, make_demo_device
from collecte.devices.checklists import Category
from collecte.orgs.models import Organization
from collecte.requests import allocating
from collecte.requests import service as requests
from collecte.requests.lifecycle import CancelReason
from collecte.requests.models import EquipmentRequest
from collecte.requests.schemas import RequestCreate
from collecte.shipments import handovers
from collecte.shipments import service as shipments
from collecte.shipments.schemas import AgeBand, HandoverIn, Situation

# The partners' share of the stock: refurbished, each for one of the requests below.
_PARTNER_STOCK: list[DemoSpec] = [
    (Category.DESKTOP, "Lenovo", "ThinkCentre M720q", True, 1.3, 8, 256, "available"),
    (Category.SMARTPHONE, "Samsung", "Galaxy A40", True, 0.17, 4, 64, "available"),
    (Category.LAPTOP, "Dell", "Latitude 7480", True, 1.4, 8, 256, "available"),
    (Category.LAPTOP, "HP", "EliteBook 830 G6", True, 1.3, 16, 512, "available"),
    (Category.LAPTOP, "Lenovo", "ThinkPad L480", True, 1.9, 8, 256, "available"),
]


@dataclass(frozen=True)
class DemoPeople:
    admin: User
    coordinator: User
    technician: User
    partners: list[User]  # Lien Numérique's, then the CCAS's


def _request(
    session: Session, who: User, lines: list[dict[str, Any]], **extra: Any
) -> EquipmentRequest:
    data = RequestCreate.model_validate({"lines": lines, **extra})
    request = requests.submit_request(session, viewer=who, data=data)
    session.flush()  # the lines, for the services that read them next
    session.refresh(request, ["lines"])
    return request


def partner_stock() -> list[tuple[int, DemoSpec]]:
    """The partners' share of the stock, each with its demo index (serials apart from the
    workshop stock's)."""
    return [(100 + n, spec) for n, spec in enumerate(_PARTNER_STOCK)]


def load_demo_partners(
    session: Session,
    *,
    people: DemoPeople,
    other_partner: Organization,
    donor_id: int,
    pickup_id: int | None = None,
) -> None:
    """Requests at every stage, with a shipment on its way, one delivered, and hand-overs."""
    lien, ccas = people.partners
    coordinator = people.coordinator
    stock = [
        make_demo_device(
            session,
            technician=people.technician,
            donor_id=donor_id,
            index=index,
            spec=spec,
            pickup_id=pickup_id,
        )
        for index, spec in partner_stock()
    ]
    desktop, smartphone, laptop_1, laptop_2, laptop_3 = stock

    # Waiting for the workshop's decision.
    _request(
        session,
        lien,
        [{"category": "laptop", "quantity": 4, "min_ram_gb": 8}],
        beneficiaries_count=4,
        note="Atelier d'initiation au numérique du mardi",
    )
    # Turned down: the workshop does not refurbish printers.
    rejected = _request(
        session,
        people.admin,
        [{"category": "printer", "quantity": 2}],
        partner_id=other_partner.id,
        note="Filed by the operator after a phone call",
    )
    requests.reject_request(
        session,
        viewer=coordinator,
        request=rejected,
        reason="Nous ne reconditionnons pas d'imprimantes pour le moment.",
    )
    # Cancelled after its desktop was allocated: the desktop went back to stock.
    cancelled = _request(session, lien, [{"category": "desktop", "quantity": 1}])
    requests.approve_request(session, viewer=coordinator, request=cancelled)
    allocating.allocate_device(
        session, viewer=coordinator, request=cancelled, raw_code=desktop.code
    )
    requests.cancel_request(
        session, viewer=lien, request=cancelled, reason=CancelReason.NO_LONGER_NEEDED
    )
    # Shipped, on its way to the partner.
    shipped = _request(
        session,
        lien,
        [{"category": "smartphone", "quantity": 1}, {"category": "laptop", "quantity": 1}],
        beneficiaries_count=2,
    )
    requests.approve_request(session, viewer=coordinator, request=shipped)
    for device in (smartphone, laptop_1):
        allocating.allocate_device(
            session, viewer=coordinator, request=shipped, raw_code=device.code
        )
    on_its_way = shipments.create_shipment(
        session,
        viewer=coordinator,
        request_id=shipped.id,
        device_codes=[smartphone.code, laptop_1.code],
        carrier="Coursier solidaire",
    )
    shipments.dispatch_shipment(session, viewer=coordinator, shipment=on_its_way)
    # Delivered, and both laptops handed over to the families the CCAS follows.
    delivered = _request(
        session,
        ccas,
        [{"category": "laptop", "quantity": 2, "min_ram_gb": 8}],
        beneficiaries_count=2,
    )
    requests.approve_request(session, viewer=coordinator, request=delivered)
    for device in (laptop_2, laptop_3):
        allocating.allocate_device(
            session, viewer=coordinator, request=delivered, raw_code=device.code
        )
    shipment = shipments.create_shipment(
        session,
        viewer=coordinator,
        request_id=delivered.id,
        device_codes=[laptop_2.code, laptop_3.code],
        carrier="Navette de l'atelier",
    )
    shipments.dispatch_shipment(session, viewer=coordinator, shipment=shipment)
    shipments.deliver_shipment(session, viewer=ccas, shipment=shipment, device_codes=None)
    for device, ref, age, situation in (
        (laptop_2, "SD-2026-041", AgeBand.FROM_18_TO_25, Situation.STUDENT),
        (laptop_3, "SD-2026-042", AgeBand.FROM_26_TO_64, Situation.JOB_SEEKER),
    ):
        handovers.record_handover(
            session,
            viewer=ccas,
            data=HandoverIn(
                device_code=device.code,
                beneficiary_ref=ref,
                age_band=age,
                situation=situation,
                postcode="93200",
            ),
        )
    # Approved and served by a best-fit run over the workshop's stock, awaiting its shipment.
    served = _request(
        session,
        ccas,
        [{"category": "laptop", "quantity": 1}, {"category": "desktop", "quantity": 1}],
        beneficiaries_count=2,
    )
    requests.approve_request(session, viewer=coordinator, request=served)
    allocating.allocate_request(session, viewer=coordinator, request=served)
