"""A device scanned into a request while it is allocated to another: a 409 naming that request
(it was a 500: the active-binding index refused it as a database error)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.requests.models import Allocation
from tests.factories.accounts import auth_headers
from tests.factories.partners import PartnerFlow


def test_a_device_allocated_elsewhere_is_refused_naming_its_request(
    db: Session, client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    device = flow.available(1)[0]
    first = flow.request([{"category": "laptop", "quantity": 1}])
    second = flow.request([{"category": "laptop", "quantity": 1}])
    flow.allocate(first)
    answer = client.post(
        f"/api/v1/requests/{second.id}/devices",
        json={"code": device.code},
        headers=auth_headers(settings, flow.coordinator),
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "device_already_allocated"
    assert f"request {first.id}" in answer.json()["detail"]
    bound = db.scalars(select(Allocation.request_id).where(Allocation.device_id == device.id))
    assert list(bound) == [first.id]
