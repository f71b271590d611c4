"""Devices for tests, taken through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.devices import records
from collecte.devices.checklists import CHECKLISTS, Category
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.schemas import DeviceCreate
from collecte.devices.service import change_status, create_device
from collecte.orgs.models import Organization, OrgKind, Site
from tests.factories.accounts import make_organization, make_site, make_user


def passing_checks(category: Category) -> dict[str, Any]:
    """A checklist where everything works, for any category."""
    values: dict[str, Any] = {}
    for item in CHECKLISTS[category]:
        if item.kind == "bool":
            values[item.name] = True
        elif item.kind == "percent":
            values[item.name] = 90
        elif item.kind == "choice":
            values[item.name] = item.choices[0]
        else:
            values[item.name] = "ok"
    return values


ILE_DE_FRANCE = ("75", "92", "93", "94")


# Before the dates of the erasure logs kept as fixtures (tests/devices/fixtures/nwipe-*.log).
LONG_AGO = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def received_on(db: Session, device: Device, when: dt.datetime = LONG_AGO) -> Device:
    """The device as if it had been received then: an erasure that ended since may be recorded
    (one that ended before it was received is refused)."""
    device.received_at = device.history_since = when
    db.flush()  # the records' checks read the stored dates
    return device


class Workshop:
    """A workshop with a site, a technician and a donor, ready to receive devices."""

    def __init__(self, db: Session) -> None:
        self.db = db
        # Paris and its inner suburbs, where the site (Montreuil) and the tests' pickups are.
        self.organization: Organization = make_organization(
            db, kind=OrgKind.WORKSHOP, territories_served=ILE_DE_FRANCE
        )
        self.site: Site = make_site(db, organization=self.organization)
        self.technician: User = make_user(db, role=Role.TECHNICIAN, organization=self.organization)
        self.donor: Organization = make_organization(db, kind=OrgKind.DONOR)

    def receive(
        self,
        *,
        category: Category = Category.LAPTOP,
        has_storage: bool = True,
        serial: str = "SN-1",
        **extra: Any,
    ) -> Device:
        data = {
            "category": category,
            "brand": "Lenovo",
            "model": "ThinkPad T480",
            "serial": serial,
            "has_storage": has_storage,
            "weight_kg": 1.6,
            "site_id": self.site.id,
            "donor_id": self.donor.id,
            "specs": {"ram_gb": 8, "storage_gb": 256},
            **extra,
        }
        return create_device(self.db, actor=self.technician, data=DeviceCreate.model_validate(data))

    def diagnose(self, device: Device) -> None:
        records.record_diagnosis(
            self.db,
            device=device,
            actor=self.technician,
            result="pass",
            checks=passing_checks(device.category),
        )

    def wipe(self, device: Device, *, result: str = "erased", verified: bool = True) -> None:
        records.record_erasure(
            self.db,
            device=device,
            actor=self.technician,
            storage_serial=f"DISK-{device.code}",
            method="PRNG Stream",
            nist_level="clear",
            tool="nwipe",
            result=result,
            verified=verified,
            verification_method="Verify Last Pass" if verified else "",
        )

    def grade(self, device: Device, functional: str = "F5", cosmetic: str = "C6") -> None:
        records.record_grade(
            self.db, device=device, actor=self.technician, functional=functional, cosmetic=cosmetic
        )

    def make_available(self, device: Device) -> None:
        self.diagnose(device)
        if device.has_storage:
            self.wipe(device)
        self.grade(device)
        change_status(self.db, device=device, actor=self.technician, to=DeviceStatus.AVAILABLE)
