"""An erasure that ended before the device was received (at intake, or back from a return) is
refused, through the API and the device page, naming both dates; nothing is recorded."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import ErasureRecord
from tests.devices.apihelpers import ERASURE, technician_headers
from tests.devices.pagehelpers import HTML, post, status_of
from tests.factories.devices import Workshop, received_on
from tests.factories.partners import PartnerFlow

RECEIVED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris


def _erasures(db: Session, device_id: int) -> int:
    query = select(func.count()).where(ErasureRecord.device_id == device_id)
    return db.scalar(query) or 0


def test_the_api_refuses_an_erasure_that_ended_before_the_intake(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = received_on(db, workshop.receive(), RECEIVED)
    headers = technician_headers(settings, workshop)
    url = f"/api/v1/devices/{device.code}/erasure"
    before = {
        **ERASURE,
        "started_at": "2026-11-19T08:00:00Z",
        "ended_at": "2026-11-19T09:30:00Z",
    }
    refused = client.post(url, json=before, headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"] == "conflict"
    assert refused.json()["code"] == "erasure_before_receipt"
    detail = refused.json()["detail"]
    assert "19/11/2026 10:30" in detail  # the end, in Paris time
    assert "20/11/2026 10:00" in detail  # the intake
    assert _erasures(db, device.id) == 0
    assert status_of(db, device) is DeviceStatus.RECEIVED

    # Only a start given, before the intake: refused too.
    started = {**ERASURE, "started_at": "2026-11-19T08:00:00Z"}
    assert client.post(url, json=started, headers=headers).status_code == 409

    # Ended after the intake (or no times at all): recorded.
    after = {**before, "started_at": "2026-11-20T09:30:00Z", "ended_at": "2026-11-20T10:30:00Z"}
    assert client.post(url, json=after, headers=headers).status_code == 201
    assert client.post(url, json=ERASURE, headers=headers).status_code == 201
    assert _erasures(db, device.id) == 2


def test_an_erasure_from_before_a_return_cannot_clear_the_returned_device(
    db: Session, client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    workshop.make_available(device)
    PartnerFlow(workshop).take_to(device, DeviceStatus.RETURNED)
    back = device.history_since
    ended = (back - dt.timedelta(hours=1)).isoformat()
    response = client.post(
        f"/api/v1/devices/{device.code}/erasure",
        json={**ERASURE, "ended_at": ended},
        headers=technician_headers(settings, workshop),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "erasure_before_receipt"


def test_the_device_page_refuses_it_with_both_dates(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    device = received_on(db, workshop.receive(serial="EARLY-1"), RECEIVED)
    response = post(
        client,
        f"/devices/{device.code}/erasure",
        token,
        storage_serial="WD-1",
        method="PRNG Stream",
        nist_level="clear",
        tool="nwipe",
        started_at="2026-11-18T09:00",
        ended_at="2026-11-18T10:30",  # workshop time
        result="erased",
        verification_method="Verify last pass",
        verified="yes",
    )
    assert response.status_code == 409
    assert "18/11/2026 10:30" in response.text
    assert "20/11/2026 10:00" in response.text
    assert 'name="storage_serial" value="WD-1"' in response.text or "WD-1" in response.text
    assert _erasures(db, device.id) == 0
    assert client.get(f"/devices/{device.code}", headers=HTML).status_code == 200
