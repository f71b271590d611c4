"""Organisations, sites and users for tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy.orm import Session

from collecte.auth.models import ROLE_ORG_KIND, Role, User
from collecte.auth.passwords import hash_password
from collecte.auth.tokens import issue_token
from collecte.config import Settings
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.schemas import ServedTerritory
from collecte.orgs.service import create_organization, create_site

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


@lru_cache
def _hash(password: str) -> str:
    # Argon2 is deliberately slow; tests reuse one hash per password.
    return hash_password(password)


def make_organization(
    db: Session,
    *,
    kind: OrgKind = OrgKind.WORKSHOP,
    postcode: str = "75011",
    name: str | None = None,
    territories_served: Sequence[str | ServedTerritory] | None = None,
) -> Organization:
    """An organisation; a workshop given no territories serves its own département."""
    n = next(_sequence)
    return create_organization(
        db,
        name=name or f"{kind.value.title()} {n}",
        kind=kind,
        postcode=postcode,
        city="Paris",
        address=f"{n} rue de Test",
        territories_served=territories_served,
    )


def make_site(db: Session, *, organization: Organization, postcode: str = "93100") -> Site:
    n = next(_sequence)
    return create_site(
        db, organization_id=organization.id, name=f"Site {n}", postcode=postcode, city="Montreuil"
    )


def make_user(
    db: Session, *, role: Role, organization: Organization | None = None, password: str = PASSWORD
) -> User:
    """A user of this role; one is given a fresh organisation of the right kind when none is passed."""
    kind = ROLE_ORG_KIND[role]
    if organization is None and kind is not None:
        organization = make_organization(db, kind=kind)
    user = User(
        email=f"{role.value}{next(_sequence)}@example.org",
        password_hash=_hash(password),
        role=role,
        organization_id=organization.id if organization else None,
    )
    db.add(user)
    db.flush()  # gives the id that tokens carry
    return user


def auth_headers(settings: Settings, user: User) -> dict[str, str]:
    """Authorization headers with a bearer token for the user."""
    return {"Authorization": f"Bearer {issue_token(settings.effective_secret_key, user)}"}
