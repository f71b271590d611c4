"""What both authorisation matrices share (the API's, tests/test_authorisation_matrix.py, and the
pages', tests/test_page_matrix.py): organisation A and B with one user per role and side, the objects
the cells act on, and the Rule that says which callers get through."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth import resets
from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.core.types import utcnow
from collecte.devices.models import Device
from collecte.documents.models import Document
from collecte.notifications.models import OutboxMessage
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.pickups.models import Pickup
from collecte.requests import allocating
from collecte.requests import service as request_service
from collecte.requests.schemas import RequestCreate
from collecte.shipments import handovers
from collecte.shipments import service as shipping
from collecte.shipments.models import Shipment
from collecte.shipments.schemas import HandoverIn
from tests.factories.accounts import auth_headers, make_organization, make_site, make_user
from tests.factories.devices import Workshop
from tests.orgs.images import image_bytes
from tests.pickups.pagehelpers import book, collect, schedule

DAY = "2026-12-01"

OK, E401, E403, E404 = "ok", "401", "403", "404"
# Roles with an organisation are tried as a member of A (the object's side) and of B.
ORG_ROLES = (Role.COORDINATOR, Role.TECHNICIAN, Role.DONOR, Role.PARTNER)
STAFF = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN})
EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Rule:
    """Who gets through on organisation A's object, and what the others get.

    `allowed`: the roles let through on their own organisation's object (admin and auditor, who have
    none, count as "own"). A role of A not allowed gets `refused`. A member of B gets `other` when
    its role is allowed on its own side and `other_refused` when not; `other=OK` is for routes where
    the object is not A's (lists, creations: each caller sees or makes its own).
    `cells` overrides single cells, keyed "role" (own side) or "role@other".
    """

    allowed: frozenset[Role]
    refused: str = E403
    other: str = E404
    other_refused: str | None = None
    public: bool = False
    cells: dict[str, str] = field(default_factory=dict)

    def expect(self, role: Role, side: str) -> str:
        key = role.value if side == "own" else f"{role.value}@other"
        if key in self.cells:
            return self.cells[key]
        if side == "own":
            return OK if role in self.allowed else self.refused
        if role in self.allowed:
            return self.other
        return self.other_refused if self.other_refused is not None else self.refused


def r(*roles: Role | frozenset[Role], **kwargs: Any) -> Rule:
    allowed: set[Role] = set()
    for role in roles:
        allowed |= role if isinstance(role, frozenset) else {role}
    return Rule(frozenset(allowed), **kwargs)


A, C, T, D, P, U = (
    Role.ADMIN,
    Role.COORDINATOR,
    Role.TECHNICIAN,
    Role.DONOR,
    Role.PARTNER,
    Role.AUDITOR,
)


@dataclass
class World:
    """Organisation A (a workshop, its donor and a partner) and B, with one user per role."""

    users: dict[tuple[Role, str], User]
    orgs: dict[tuple[Role, str], Organization]
    site: Site
    device: Device
    wiped: Device
    requested: Pickup
    scheduled: Pickup
    collected: Pickup
    donor: Organization
    document_code: str
    submitted: int = 0
    submitted_line: int = 0
    approved: int = 0
    codes: dict[str, str] = field(default_factory=dict)
    shipments: dict[str, int] = field(default_factory=dict)
    handover: int = 0
    document: bytes = b""  # a genuine copy of an issued document, once a matrix fetched one
    message: int = 0  # the outbox message telling donor A its pickup was scheduled
    reset_token: str = ""  # a usable password reset link's token, of coordinator A

    def headers(self, settings: Settings, role: Role, side: str) -> dict[str, str]:
        return auth_headers(settings, self.users[(role, side)])


def build_world(db: Session, client: TestClient, settings: Settings) -> World:
    workshop = Workshop(db)
    workshop_b = make_organization(
        db, kind=OrgKind.WORKSHOP, postcode="69003", territories_served=["69"]
    )
    make_site(db, organization=workshop_b, postcode="69003")
    orgs = {
        (C, "own"): workshop.organization,
        (T, "own"): workshop.organization,
        (D, "own"): workshop.donor,
        (P, "own"): make_organization(db, kind=OrgKind.PARTNER),
        (C, "other"): workshop_b,
        (T, "other"): workshop_b,
        (D, "other"): make_organization(db, kind=OrgKind.DONOR, postcode="69003"),
        (P, "other"): make_organization(db, kind=OrgKind.PARTNER, postcode="69003"),
    }
    users = {
        (A, "own"): make_user(db, role=A),
        (U, "own"): make_user(db, role=U),
        (T, "own"): workshop.technician,
    }
    for (role, side), org in orgs.items():
        if (role, side) not in users:
            users[(role, side)] = make_user(db, role=role, organization=org)
    # A's workshop has a logo, for the cells that read it.
    workshop.organization.logo, workshop.organization.logo_media_type = image_bytes(), "image/png"
    device = workshop.receive(serial="SN-MATRIX-1")
    wiped = workshop.receive(serial="SN-MATRIX-2")
    workshop.diagnose(wiped)
    workshop.wipe(wiped)
    donor_user = users[(D, "own")]
    coordinator = users[(C, "own")]
    requested = book(db, donor_user, day=DAY)
    scheduled = book(db, donor_user, day=DAY)
    schedule(db, scheduled, coordinator, workshop.site, day=DAY, vehicle="Van 1")
    collected = book(db, donor_user, day=DAY)
    schedule(db, collected, coordinator, workshop.site, day=DAY)
    collect(db, collected, coordinator)
    from_pickup = workshop.receive(serial="SN-MATRIX-3", pickup_id=collected.id)
    workshop.diagnose(from_pickup)
    workshop.wipe(from_pickup)
    # A document really issued, for the public check (issued once, before the cells).
    issued = client.get(
        f"/api/v1/devices/{wiped.code}/erasure-certificate.pdf",
        headers=auth_headers(settings, workshop.technician),
    )
    assert issued.status_code == 200, issued.text
    document = db.scalar(
        select(Document).where(Document.sha256 == issued.headers["X-Document-SHA256"])
    )
    assert document is not None
    db.flush()
    partners = _partner_flow(db, workshop, coordinator, users[(P, "own")])
    message = db.scalar(select(OutboxMessage.id).where(OutboxMessage.pickup_id == scheduled.id))
    assert message is not None
    return World(
        **partners,
        message=message,
        reset_token=_reset_token(db, settings, coordinator),
        users=users,
        orgs=orgs,
        site=workshop.site,
        device=device,
        wiped=wiped,
        requested=requested,
        scheduled=scheduled,
        collected=collected,
        donor=workshop.donor,
        document_code=document.verification_code,
    )


def _reset_token(db: Session, settings: Settings, user: User) -> str:
    """A reset link sent to the user; the token as the email carries it (only its hash is stored)."""
    email = resets.send_reset_link(
        db, user=user, settings=settings, language="fr", now=utcnow(), by_admin=True
    )
    found = re.search(re.escape(resets.RESET_PATH) + r"([\w-]+)", email.body)
    assert found is not None
    return found.group(1)


def _partner_flow(
    db: Session, workshop: Workshop, coordinator: User, partner: User
) -> dict[str, Any]:
    """Partner A's requests: one submitted, one approved with devices at every step (allocated,
    picked into a shipment being prepared, dispatched, delivered, handed over), one in stock."""
    submitted = request_service.submit_request(
        db,
        viewer=partner,
        data=RequestCreate.model_validate({"lines": [{"category": "laptop", "quantity": 2}]}),
    )
    approved = request_service.submit_request(
        db,
        viewer=partner,
        data=RequestCreate.model_validate({"lines": [{"category": "laptop", "quantity": 9}]}),
    )
    db.flush()
    db.refresh(submitted, ["lines"])
    db.refresh(approved, ["lines"])
    request_service.approve_request(db, viewer=coordinator, request=approved)
    devices: dict[str, Device] = {}
    for name in ("stock", "allocated", "picked", "shipped", "delivered", "handed"):
        device = workshop.receive(serial=f"SN-MATRIX-{name}")
        workshop.make_available(device)
        devices[name] = device
        if name != "stock":
            allocating.allocate_device(
                db, viewer=coordinator, request=approved, raw_code=device.code
            )

    def shipment(*names: str) -> Shipment:
        return shipping.create_shipment(
            db,
            viewer=coordinator,
            request_id=approved.id,
            device_codes=[devices[n].code for n in names],
            carrier="",
        )

    preparing = shipment("picked")
    dispatched = shipment("shipped")
    shipping.dispatch_shipment(db, viewer=coordinator, shipment=dispatched)
    delivered = shipment("delivered", "handed")
    shipping.dispatch_shipment(db, viewer=coordinator, shipment=delivered)
    shipping.deliver_shipment(db, viewer=partner, shipment=delivered, device_codes=None)
    handover = handovers.record_handover(
        db,
        viewer=partner,
        data=HandoverIn(device_code=devices["handed"].code, beneficiary_ref="FAM-1"),
    )
    db.flush()
    return {
        "submitted": submitted.id,
        "submitted_line": submitted.lines[0].id,
        "approved": approved.id,
        "codes": {name: device.code for name, device in devices.items()},
        "shipments": {"preparing": preparing.id, "dispatched": dispatched.id},
        "handover": handover.id,
    }


def callers() -> list[tuple[Role, str]]:
    """Every signed-in caller of a cell: operator, auditor, then each organisation role of A and B."""
    found: list[tuple[Role, str]] = [(A, "own"), (U, "own")]
    return found + [(role, side) for role in ORG_ROLES for side in ("own", "other")]


def label_of(role: Role, side: str) -> str:
    return role.value if side == "own" else f"{role.value}@other"
