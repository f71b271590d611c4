"""A scripted history with hand-computed impact: intake, refurbish, deliver, return, deliver
again, hand over, recycling and parts (the impact issue's "done when")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from collecte.devices import records
from collecte.devices.checklists import Category
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.status import change_status
from collecte.shipments import service as shipments
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow

# What the scenario must count, worked out by hand (factors 2026-12, displacement 0.5):
EXPECTED = {
    "collected": 6,  # five laptops and a smartphone
    "collected_kg": 8.2,  # 5 x 1.6 kg weighed + a smartphone unweighed: typical 0.17 kg
    "refurbished": 3,  # d1, d2, d3 (d1 twice available: once)
    "redistributed": 2,  # d1 (delivered twice: once) and d2; d3 returned and not again
    "handed_over": 2,  # d1, d2
    "people_equipped": 2,  # FAM-1, FAM-2
    "recycled": 1,
    "recycled_kg": 2.5,  # the weight at exit
    "parts": 1,
    "reuse_rate": 0.3333,  # 2 / 6
    "waste_avoided_kg": 3.2,  # d1 and d2, 1.6 kg each
    "co2e_avoided_kg": 182.3,  # 2 x 182.3 kg (ADEME laptop) x 0.5
    "integration_hours": 1.5,  # 90 minutes of repair by a technician on an integration contract
}


@dataclass
class Scenario:
    flow: PartnerFlow
    devices: list[Device]


def run(db: Session) -> Scenario:
    workshop = Workshop(db)
    flow = PartnerFlow(workshop)
    technician = workshop.technician
    technician.integration_contract = True
    d1, d2, d3 = flow.available(3)
    d4 = workshop.receive(serial="RECYCLE-1")
    d5 = workshop.receive(serial="PARTS-1")
    d6 = workshop.receive(serial="PHONE-1", category=Category.SMARTPHONE, weight_kg=None)
    # d1: delivered, returned, through the workshop again, delivered again, handed over.
    flow.delivered(d1)
    shipments.return_device(
        db, viewer=flow.partner_user, raw_code=d1.code, reason="screen", personal_data_removed=True
    )
    records.record_repair(db, device=d1, actor=technician, description="", parts=[], minutes=90)
    workshop.make_available(d1)
    flow.delivered(d1)
    flow.hand_over(d1, "FAM-1")
    # d2: delivered and handed over; d3: delivered and returned for good.
    flow.delivered(d2)
    flow.hand_over(d2, "FAM-2")
    flow.delivered(d3)
    shipments.return_device(
        db, viewer=flow.partner_user, raw_code=d3.code, reason="unused", personal_data_removed=True
    )
    change_status(db, device=d4, actor=technician, to=DeviceStatus.RECYCLED, weight_kg=2.5)
    change_status(db, device=d5, actor=technician, to=DeviceStatus.PARTS)
    return Scenario(flow=flow, devices=[d1, d2, d3, d4, d5, d6])
