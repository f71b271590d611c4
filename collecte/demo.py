"""A realistic demo network: one workshop with two sites, donors, partners, one account per role,
devices at every stage and pickups (see ``demo_pickups``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.service import create_user
from collecte.core.types import utcnow
from collecte.demo_pickups import load_demo_pickups
from collecte.devices.checklists import CHECKLISTS, Category, CheckItem
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.records import record_diagnosis, record_erasure, record_grade
from collecte.devices.schemas import DeviceCreate
from collecte.devices.service import change_status, create_device, transition_device
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.service import create_organization, create_site


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: Role
    organization: str


def database_is_empty(session: Session) -> bool:
    """Whether no organisation exists yet (the demo is loaded only into an empty database)."""
    return session.scalar(select(Organization.id).limit(1)) is None


def load_demo(session: Session) -> list[DemoLogin]:
    """Create the demo network and return the logins, each with a freshly generated password."""
    workshop = create_organization(
        session,
        name="Atelier Solidaire Île-de-France",
        kind=OrgKind.WORKSHOP,
        address="12 rue des Ateliers",
        postcode="93100",
        city="Montreuil",
        # Paris and the inner suburbs, where the demo's donors and its rounds are.
        territories_served=["93", "75", "92", "94"],
    )
    create_site(
        session,
        organization_id=workshop.id,
        name="Montreuil — atelier principal",
        address="12 rue des Ateliers",
        postcode="93100",
        city="Montreuil",
        latitude=48.8638,
        longitude=2.4485,
    )
    create_site(
        session,
        organization_id=workshop.id,
        name="Paris 19 — point de collecte",
        address="40 rue de Crimée",
        postcode="75019",
        city="Paris",
        latitude=48.8873,
        longitude=2.3810,
    )
    donors = [
        create_organization(
            session,
            name="Banque Horizon SA",
            kind=OrgKind.DONOR,
            address="1 place de la Défense",
            postcode="92400",
            city="Courbevoie",
            siret="55208131700015",
        ),
        create_organization(
            session,
            name="Mairie de Vincennes",
            kind=OrgKind.DONOR,
            address="53 bis rue de Fontenay",
            postcode="94300",
            city="Vincennes",
        ),
        create_organization(
            session,
            name="Assurances Méditerranée",
            kind=OrgKind.DONOR,
            address="2 cours Napoléon",
            postcode="20000",
            city="Ajaccio",
        ),
    ]
    partners = [
        create_organization(
            session,
            name="Association Lien Numérique",
            kind=OrgKind.PARTNER,
            address="8 rue de Flandre",
            postcode="75019",
            city="Paris",
        ),
        create_organization(
            session,
            name="CCAS de Saint-Denis",
            kind=OrgKind.PARTNER,
            address="2 place du Caquet",
            postcode="93200",
            city="Saint-Denis",
        ),
    ]
    accounts = [
        ("admin@collecte.example", Role.ADMIN, None, "Opérateur"),
        ("coordination@atelier.example", Role.COORDINATOR, workshop, workshop.name),
        ("technicien@atelier.example", Role.TECHNICIAN, workshop, workshop.name),
        ("dsi@banque-horizon.example", Role.DONOR, donors[0], donors[0].name),
        ("contact@lien-numerique.example", Role.PARTNER, partners[0], partners[0].name),
        ("evaluation@cabinet-impact.example", Role.AUDITOR, None, "Cabinet d'évaluation"),
    ]
    logins = []
    technician = coordinator = None
    for email, role, organization, label in accounts:
        password = secrets.token_urlsafe(12)
        user = create_user(
            session,
            email=email,
            password=password,
            role=role,
            organization_id=organization.id if organization else None,
            integration_contract=role is Role.TECHNICIAN,
        )
        logins.append(DemoLogin(email=email, password=password, role=role, organization=label))
        if role is Role.TECHNICIAN:
            technician = user
        elif role is Role.COORDINATOR:
            coordinator = user
    if technician is None or coordinator is None:
        raise RuntimeError("the demo needs its technician and coordinator accounts")
    _demo_devices(session, technician=technician, donors=[d.id for d in donors])
    load_demo_pickups(session, coordinator=coordinator, donors=donors, today=utcnow().date())
    return logins


# (category, brand, model, has storage, weight kg, ram, storage, how far it got)
_DEMO_STOCK = [
    (Category.LAPTOP, "Lenovo", "ThinkPad T480", True, 1.6, 8, 256, "available"),
    (Category.LAPTOP, "Lenovo", "ThinkPad T470", True, 1.6, 8, 256, "available"),
    (Category.LAPTOP, "Dell", "Latitude 5490", True, 1.7, 8, 256, "available"),
    (Category.LAPTOP, "HP", "EliteBook 840 G5", True, 1.5, 16, 512, "graded"),
    (Category.LAPTOP, "Dell", "Latitude 7390", True, 1.3, 8, 256, "wiped"),
    (Category.LAPTOP, "HP", "ProBook 450 G6", True, 2.0, 8, 500, "diagnosed"),
    (Category.LAPTOP, "Lenovo", "ThinkPad X260", True, 1.4, 4, 128, "received"),
    (Category.LAPTOP, "Acer", "TravelMate P2", True, 2.1, 4, 500, "recycled"),
    (Category.DESKTOP, "Dell", "OptiPlex 7050", True, 5.5, 8, 256, "available"),
    (Category.DESKTOP, "HP", "ProDesk 600 G3", True, 5.0, 8, 500, "received"),
    (Category.SMARTPHONE, "Samsung", "Galaxy A52", True, 0.19, 6, 128, "available"),
    (Category.SMARTPHONE, "Apple", "iPhone 8", True, 0.15, 2, 64, "wiped"),
    (Category.SMARTPHONE, "Fairphone", "Fairphone 3", True, 0.19, 4, 64, "received"),
    (Category.TABLET, "Apple", "iPad 6", True, 0.47, 2, 32, "graded"),
    (Category.MONITOR, "Dell", "P2419H", False, 4.1, None, None, "available"),
    (Category.MONITOR, "iiyama", "ProLite E2483HS", False, 4.0, None, None, "parts"),
    (Category.PRINTER, "Brother", "HL-L2350DW", False, 7.2, None, None, "received"),
]


def _demo_devices(session: Session, *, technician: User, donors: list[int]) -> None:
    """Devices at every stage of the workshop, taken there through the real services."""
    site = session.scalars(
        select(Site).where(Site.organization_id == technician.organization_id).order_by(Site.id)
    ).first()
    if site is None:
        raise RuntimeError("the demo workshop has no site")
    for index, (category, brand, model, storage, weight, ram, disk, stage) in enumerate(
        _DEMO_STOCK
    ):
        device = create_device(
            session,
            actor=technician,
            data=DeviceCreate.model_validate(
                {
                    "category": category,
                    "brand": brand,
                    "model": model,
                    "serial": f"DEMO-{index:04d}",
                    "has_storage": storage,
                    "weight_kg": weight,
                    "site_id": site.id,
                    "donor_id": donors[index % len(donors)],
                    "specs": {"ram_gb": ram, "storage_gb": disk},
                }
            ),
        )
        if stage == "received":
            continue
        if stage in ("recycled", "parts"):
            transition_device(session, device=device, actor=technician, to=DeviceStatus(stage))
            continue
        checks = {item.name: _passing(item) for item in CHECKLISTS[category]}
        record_diagnosis(session, device=device, actor=technician, result="pass", checks=checks)
        if stage == "diagnosed":
            continue
        if storage:
            record_erasure(
                session,
                device=device,
                actor=technician,
                storage_serial=f"DISK-DEMO-{index:04d}",
                method="PRNG Stream",
                nist_level="clear",
                tool="nwipe",
                tool_version="0.35",
                result="erased",
                verified=True,
                verification_method="Verify Last Pass",
            )
        if stage == "wiped":
            continue
        record_grade(
            session, device=device, actor=technician, functional="F5", cosmetic=f"C{4 + index % 5}"
        )
        if stage == "available":
            change_status(session, device=device, actor=technician, to=DeviceStatus.AVAILABLE)


def _passing(item: CheckItem) -> object:
    if item.kind == "bool":
        return True
    if item.kind == "percent":
        return 85
    if item.kind == "choice":
        return item.choices[0]
    return ""
