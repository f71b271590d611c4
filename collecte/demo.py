"""A realistic demo network: one workshop with two sites, donors, partners, one account per role
(two partners have theirs), devices at every stage, pickups (see ``demo_pickups``) and partners'
requests at every stage (see ``demo_partners``)."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.service import create_user
from collecte.core.types import utcnow
from collecte.demo_devices import DemoSpec, demo_serial, make_demo_device
from collecte.demo_partners import DemoPeople, load_demo_partners, partner_stock
from collecte.demo_pickups import load_demo_pickups
from collecte.devices.checklists import Category
from collecte.orgs.models import Organization, OrgKind
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
        # What its documents and the donors' Cerfa receipts name (a made-up SIRET, Luhn-valid).
        legal_name="Atelier Solidaire Île-de-France SCIC SAS",
        siret="85234567800019",
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
            siret="55208131700018",
            impact_public=True,  # opted in: named on the public impact page
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
            impact_public=True,
        ),
        create_organization(
            session,
            name="CCAS de Saint-Denis",
            kind=OrgKind.PARTNER,
            address="2 place du Caquet",
            postcode="93200",
            city="Saint-Denis",
        ),
        create_organization(
            session,
            name="Maison de quartier des Lilas",
            kind=OrgKind.PARTNER,
            address="15 rue de Paris",
            postcode="93260",
            city="Les Lilas",
        ),
    ]
    accounts = [
        ("admin@collecte.example", Role.ADMIN, None, "Opérateur"),
        ("coordination@atelier.example", Role.COORDINATOR, workshop, workshop.name),
        ("technicien@atelier.example", Role.TECHNICIAN, workshop, workshop.name),
        ("dsi@banque-horizon.example", Role.DONOR, donors[0], donors[0].name),
        ("contact@lien-numerique.example", Role.PARTNER, partners[0], partners[0].name),
        ("accueil@ccas-saint-denis.example", Role.PARTNER, partners[1], partners[1].name),
        ("evaluation@cabinet-impact.example", Role.AUDITOR, None, "Cabinet d'évaluation"),
    ]
    logins = []
    users: dict[str, User] = {}
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
        users[email] = user
    technician, coordinator = (
        users["technicien@atelier.example"],
        users["coordination@atelier.example"],
    )
    # The demo donor's devices (its share of the stock and the partners') came with its pickup
    # collected this morning: the pickup, the donor's space and each device page agree.
    donor_stock = [(i, s) for i, s in enumerate(_DEMO_STOCK) if i % len(donors) == 0]
    came_in = donor_stock + partner_stock()
    collected = load_demo_pickups(
        session,
        coordinator=coordinator,
        donors=donors,
        today=utcnow().date(),
        collected=dict(Counter(spec[0].value for _, spec in came_in)),
        collected_serials=[demo_serial(index) for index, _ in came_in],
    )
    _demo_devices(
        session, technician=technician, donors=[d.id for d in donors], pickup_id=collected.id
    )
    load_demo_partners(
        session,
        people=DemoPeople(
            admin=users["admin@collecte.example"],
            coordinator=coordinator,
            technician=technician,
            partners=[
                users["contact@lien-numerique.example"],
                users["accueil@ccas-saint-denis.example"],
            ],
        ),
        other_partner=partners[2],
        donor_id=donors[0].id,
        pickup_id=collected.id,
    )
    return logins


# (category, brand, model, has storage, weight kg, ram, storage, how far it got)
_DEMO_STOCK: list[DemoSpec] = [
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


def _demo_devices(session: Session, *, technician: User, donors: list[int], pickup_id: int) -> None:
    """Devices at every stage of the workshop, taken there through the real services; the first
    donor's came with its collected pickup, the others' were brought in without one."""
    for index, spec in enumerate(_DEMO_STOCK):
        donor_id = donors[index % len(donors)]
        make_demo_device(
            session,
            technician=technician,
            donor_id=donor_id,
            index=index,
            spec=spec,
            pickup_id=pickup_id if donor_id == donors[0] else None,
        )
