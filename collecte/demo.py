"""A realistic demo network: one workshop with two sites, donors, partners, one account per role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.auth.service import create_user
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
        kind=OrgKind.WORKSHOP,
        address="12 rue des Ateliers",
        postcode="93100",
        city="Montreuil",
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
    for email, role, organization, label in accounts:
        password = secrets.token_urlsafe(12)
        create_user(
            session,
            email=email,
            password=password,
            role=role,
            organization_id=organization.id if organization else None,
            integration_contract=role is Role.TECHNICIAN,
        )
        logins.append(DemoLogin(email=email, password=password, role=role, organization=label))
    return logins
