"""GET /api/v1/checklists publishes the checklists the diagnosis endpoint enforces."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.devices.checklists import CHECKLISTS, Category, validate_checks
from tests.factories.accounts import auth_headers, make_user


def _checklists(client: TestClient, db: Session, settings: Settings, role: Role) -> Any:
    response = client.get(
        "/api/v1/checklists", headers=auth_headers(settings, make_user(db, role=role))
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", list(Role))
def test_every_signed_in_role_reads_the_checklists(
    client: TestClient, db: Session, settings: Settings, role: Role
) -> None:
    assert set(_checklists(client, db, settings, role)) == {c.value for c in Category}


def test_anonymous_callers_are_401(client: TestClient) -> None:
    response = client.get("/api/v1/checklists")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_each_check_has_its_name_kind_requirement_and_choices(
    client: TestClient, db: Session, settings: Settings
) -> None:
    body = _checklists(client, db, settings, Role.PARTNER)
    laptop = {check["name"]: check for check in body["laptop"]}
    assert list(laptop) == [item.name for item in CHECKLISTS[Category.LAPTOP]]
    assert laptop["boots"] == {
        "name": "boots",
        "kind": "bool",
        "label": "Boots to an operating system",
        "required": True,
        "choices": [],
    }
    assert laptop["battery_health"]["kind"] == "percent"
    assert laptop["storage_smart"]["choices"] == ["ok", "warning", "failed", "none"]
    desktop = {check["name"]: check for check in body["desktop"]}
    assert desktop["wifi"]["required"] is False
    assert body["other"][1] == {
        "name": "notes",
        "kind": "text",
        "label": "What was checked",
        "required": False,
        "choices": [],
    }


def test_answering_the_published_required_checks_is_enough_for_a_diagnosis(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """What an integration reads is what the diagnosis accepts: the required checks, answered."""
    body = _checklists(client, db, settings, Role.TECHNICIAN)
    samples = {"bool": True, "percent": 80, "text": "ok"}
    for category, checks in body.items():
        answers = {
            c["name"]: c["choices"][0] if c["kind"] == "choice" else samples[c["kind"]]
            for c in checks
            if c["required"]
        }
        validate_checks(Category(category), answers)  # raises if one required check were missing
