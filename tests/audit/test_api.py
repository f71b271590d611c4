"""``GET /api/v1/audit/verify``: the operator and auditors verify the log; no one else may."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.chain import head
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop


@pytest.fixture
def workshop(db: Session) -> Workshop:
    workshop = Workshop(db)
    workshop.make_available(workshop.receive())
    return workshop


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR])
def test_the_operator_and_auditors_verify_the_log(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop, role: Role
) -> None:
    headers = auth_headers(settings, make_user(db, role=role))
    answer = client.get("/api/v1/audit/verify", headers=headers)
    assert answer.status_code == 200, answer.text
    last, link = head(db)
    assert last > 0
    assert answer.json() == {
        "ok": True,
        "checked": last,
        "first_broken": None,
        "head": {"seq": last, "hash": link},
    }
    db.execute(text("UPDATE events SET note = 'rewritten' WHERE seq = 2"))
    broken = client.get("/api/v1/audit/verify", headers=headers).json()
    assert (broken["ok"], broken["checked"]) == (False, 1)
    assert broken["first_broken"]["seq"] == 2
    assert broken["first_broken"]["reason"] == "link"


@pytest.mark.parametrize("role", [Role.DONOR, Role.PARTNER, Role.TECHNICIAN, Role.COORDINATOR])
def test_no_one_else_may(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop, role: Role
) -> None:
    user = make_user(db, role=role)  # each of an organisation of its kind
    answer = client.get("/api/v1/audit/verify", headers=auth_headers(settings, user))
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "forbidden"
    assert answer.json()["detail"] == f"a {role.value} may not do this"
