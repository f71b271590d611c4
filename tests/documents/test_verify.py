"""Verifying a document by its SHA-256: found for whom it concerns, unknown to everyone else."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.documents.service import record_document
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop

CONTENT = b"%PDF-1.4 a collection proof"
DIGEST = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def workshop(db: Session) -> Workshop:
    workshop = Workshop(db)
    record_document(
        db,
        kind="collection_proof",
        title="Collection proof — pickup 1",
        subject="pickup:1",
        content=CONTENT,
        organization_id=workshop.donor.id,
        produced_by=workshop.technician,
    )
    db.flush()  # the request reads it through the same connection
    return workshop


def _found(client: TestClient, settings: Settings, user: User, sha256: str = DIGEST) -> bool:
    response = client.get(
        f"/api/v1/documents/verify?sha256={sha256}", headers=auth_headers(settings, user)
    )
    assert response.status_code == 200
    return bool(response.json()["found"])


def test_the_producer_the_donor_and_the_network_find_it(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    for user in (workshop.technician, donor, make_user(db, role=Role.AUDITOR)):
        assert _found(client, settings, user)
    assert _found(client, settings, donor, DIGEST.upper())  # a pasted hash in capitals


def test_others_learn_nothing_of_it(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    for user in (Workshop(db).technician, make_user(db, role=Role.DONOR)):
        assert not _found(client, settings, user)
