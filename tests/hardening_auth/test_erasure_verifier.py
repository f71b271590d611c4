"""The erasure's verifier is named on the certificate: it must be the operator, an administrator
or active staff of the device's workshop, and a refusal names no account (defect 8)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.devices.models import ErasureRecord
from tests.devices.apihelpers import ERASURE, intake_device, technician_headers
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop


def _erase(client: TestClient, headers: dict[str, str], code: str, verifier: User) -> Any:
    body = {**ERASURE, "verifier_id": verifier.id}
    return client.post(f"/api/v1/devices/{code}/erasure", json=body, headers=headers)


def _erasures(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(ErasureRecord)) or 0


@pytest.mark.parametrize("who", ["other_donor", "other_workshop", "inactive", "auditor"])
def test_a_verifier_outside_the_workshops_staff_is_refused_without_being_named(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings, who: str
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    verifier = {
        "other_donor": lambda: make_user(db, role=Role.DONOR),
        "other_workshop": lambda: make_user(db, role=Role.TECHNICIAN),
        "inactive": lambda: make_user(
            db, role=Role.COORDINATOR, organization=workshop.organization
        ),
        "auditor": lambda: make_user(db, role=Role.AUDITOR),
    }[who]()
    if who == "inactive":
        verifier.active = False
        db.flush()  # the request reads the deactivation
    response = _erase(client, headers, code, verifier)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "verifier_not_workshop_staff"
    assert verifier.email not in response.text
    assert str(verifier.id) not in body["detail"]
    assert _erasures(db) == 0


def test_an_unknown_verifier_is_refused_as_one_outside_the_workshop(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    body = {**ERASURE, "verifier_id": 987654}
    response = client.post(f"/api/v1/devices/{code}/erasure", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "verifier_not_workshop_staff"


@pytest.mark.parametrize("who", ["operator", "coordinator", "admin"])
def test_the_operator_the_workshops_staff_or_an_admin_may_verify(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings, who: str
) -> None:
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    verifier = {
        "operator": lambda: workshop.technician,
        "coordinator": lambda: make_user(
            db, role=Role.COORDINATOR, organization=workshop.organization
        ),
        "admin": lambda: make_user(db, role=Role.ADMIN),
    }[who]()
    response = _erase(client, headers, code, verifier)
    assert response.status_code == 201, response.text
    record = db.scalar(select(ErasureRecord))
    assert record is not None
    assert record.verifier_id == verifier.id
