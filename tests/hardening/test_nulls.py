"""An edit may leave a field out, not set it to null: null reached a NOT NULL column (500)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from collecte.auth.models import User
from collecte.config import Settings
from collecte.pickups.schemas import PickupUpdate
from tests.factories.accounts import auth_headers
from tests.hardening.conftest import BOOKING

NOT_NULLABLE = sorted(set(PickupUpdate.model_fields) - PickupUpdate.nullable)


@pytest.mark.parametrize("field", NOT_NULLABLE)
def test_a_null_for_a_field_that_cannot_be_empty_is_422(
    client: TestClient, settings: Settings, donor_user: User, field: str
) -> None:
    headers = auth_headers(settings, donor_user)
    booked = client.post("/api/v1/pickups", json=BOOKING, headers=headers)
    assert booked.status_code == 201, booked.text
    url = f"/api/v1/pickups/{booked.json()['id']}"
    response = client.patch(url, json={field: None}, headers=headers)
    assert response.status_code == 422, response.text
    assert client.get(url, headers=headers).json()["city"] == BOOKING["city"]


def test_a_nullable_field_may_be_emptied(
    client: TestClient, settings: Settings, donor_user: User
) -> None:
    headers = auth_headers(settings, donor_user)
    booked = client.post(
        "/api/v1/pickups", json={**BOOKING, "estimated_weight_kg": 5}, headers=headers
    )
    url = f"/api/v1/pickups/{booked.json()['id']}"
    response = client.patch(url, json={"estimated_weight_kg": None}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["estimated_weight_kg"] is None
