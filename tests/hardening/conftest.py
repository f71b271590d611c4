"""Fixtures of the hardening tests: a workshop with its donor, the donor's user, a coordinator."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop

BOOKING: dict[str, Any] = {
    "address": "1 place de la Défense",
    "postcode": "92400",
    "city": "Courbevoie",
    "contact_name": "Claire Martin",
    "contact_email": "claire.martin@banque.example.org",
    "windows": [{"start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T12:00:00+01:00"}],
    "items": [{"category": "laptop", "quantity": 3}],
}


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


@pytest.fixture
def donor_user(db: Session, workshop: Workshop) -> User:
    return make_user(db, role=Role.DONOR, organization=workshop.donor)


@pytest.fixture
def coordinator(db: Session, workshop: Workshop) -> User:
    return make_user(db, role=Role.COORDINATOR, organization=workshop.organization)
