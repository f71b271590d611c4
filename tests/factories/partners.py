"""Partners, requests, shipments and hand-overs for tests, taken through the real services."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.service import change_status
from collecte.orgs.models import Organization, OrgKind
from collecte.requests import allocating, service
from collecte.requests.models import EquipmentRequest
from collecte.requests.schemas import RequestCreate
from collecte.shipments import handovers
from collecte.shipments import service as shipments
from collecte.shipments.models import Handover, Shipment
from collecte.shipments.schemas import HandoverIn
from tests.factories.accounts import make_organization, make_user
from tests.factories.devices import Workshop

_serials = itertools.count(1)


class PartnerFlow:
    """A workshop (with a coordinator) and a partner in a département it serves, with helpers
    that take requests and devices through the partner flow."""

    def __init__(self, workshop: Workshop, *, postcode: str = "93200") -> None:
        self.workshop = workshop
        self.db: Session = workshop.db
        self.coordinator: User = make_user(
            self.db, role=Role.COORDINATOR, organization=workshop.organization
        )
        self.partner: Organization = make_organization(
            self.db, kind=OrgKind.PARTNER, postcode=postcode
        )
        self.partner_user: User = make_user(self.db, role=Role.PARTNER, organization=self.partner)

    def available(
        self, count: int = 1, *, functional: str = "F5", cosmetic: str = "C6", **extra: Any
    ) -> list[Device]:
        """Devices refurbished and in stock, graded on the two axes given."""
        devices = []
        for _ in range(count):
            device = self.workshop.receive(serial=f"AV-{next(_serials)}", **extra)
            self.workshop.diagnose(device)
            if device.has_storage:
                self.workshop.wipe(device)
            self.workshop.grade(device, functional=functional, cosmetic=cosmetic)
            change_status(
                self.db, device=device, actor=self.workshop.technician, to=DeviceStatus.AVAILABLE
            )
            devices.append(device)
        return devices

    def request(
        self, lines: Sequence[dict[str, Any]] | None = None, *, approve: bool = True, **extra: Any
    ) -> EquipmentRequest:
        data = RequestCreate.model_validate(
            {"lines": lines or [{"category": "laptop", "quantity": 1}], **extra}
        )
        request = service.submit_request(self.db, viewer=self.partner_user, data=data)
        self.db.flush()
        self.db.refresh(request, ["lines"])
        if approve:
            self.approve(request)
        return request

    def approve(self, request: EquipmentRequest) -> None:
        service.approve_request(self.db, viewer=self.coordinator, request=request)

    def allocate(self, request: EquipmentRequest) -> list[str]:
        return allocating.allocate_request(
            self.db, viewer=self.coordinator, request=request
        ).device_codes

    def ship(self, request: EquipmentRequest, codes: Sequence[str]) -> Shipment:
        shipment = shipments.create_shipment(
            self.db, viewer=self.coordinator, request_id=request.id, device_codes=codes, carrier=""
        )
        shipments.dispatch_shipment(self.db, viewer=self.coordinator, shipment=shipment)
        return shipment

    def deliver(self, shipment: Shipment, codes: Sequence[str] | None = None) -> None:
        shipments.deliver_shipment(
            self.db, viewer=self.partner_user, shipment=shipment, device_codes=codes
        )

    def delivered(self, device: Device) -> EquipmentRequest:
        """Take one available device through a request of its own to delivered."""
        request = self.request([{"category": device.category.value, "quantity": 1}])
        allocating.allocate_device(
            self.db, viewer=self.coordinator, request=request, raw_code=device.code
        )
        self.deliver(self.ship(request, [device.code]))
        return request

    def hand_over(self, device: Device, beneficiary_ref: str = "FAM-001") -> Handover:
        return handovers.record_handover(
            self.db,
            viewer=self.partner_user,
            data=HandoverIn(device_code=device.code, beneficiary_ref=beneficiary_ref),
        )

    def take_to(self, device: Device, status: DeviceStatus) -> None:
        """Take an available device through the partner flow to ``status`` (allocated, shipped,
        delivered, handed over, or returned by the partner)."""
        request = self.request([{"category": device.category.value, "quantity": 1}])
        allocating.allocate_device(
            self.db, viewer=self.coordinator, request=request, raw_code=device.code
        )
        if status is DeviceStatus.ALLOCATED:
            return
        shipment = self.ship(request, [device.code])
        if status is DeviceStatus.SHIPPED:
            return
        self.deliver(shipment)
        if status is DeviceStatus.HANDED_OVER:
            self.hand_over(device)
        elif status is DeviceStatus.RETURNED:
            shipments.return_device(
                self.db,
                viewer=self.partner_user,
                raw_code=device.code,
                reason="does not suit",
                personal_data_removed=True,
            )
        assert device.status is status, device.status
