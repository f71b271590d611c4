"""Every date a client gives is in a sane range: plans from 2000 to two years ahead, what happened
from 2000 to now; year 1 or 9999 used to be stored, then every page showing it answered 500."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.forms import form_date
from collecte.core.types import utcnow
from collecte.pickups.models import Pickup
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop
from tests.hardening.conftest import BOOKING


def _window(day: str) -> list[dict[str, str]]:
    return [{"start": f"{day}T09:00:00+01:00", "end": f"{day}T12:00:00+01:00"}]


@pytest.mark.parametrize("day", ["0001-01-02", "1999-12-31", "9999-12-30", "2100-01-01"])
def test_a_window_out_of_range_is_refused_and_nothing_is_stored(
    client: TestClient, db: Session, settings: Settings, donor_user: User, day: str
) -> None:
    headers = auth_headers(settings, donor_user)
    response = client.post(
        "/api/v1/pickups", json={**BOOKING, "windows": _window(day)}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert db.scalar(select(func.count()).select_from(Pickup)) == 0
    assert client.get("/api/v1/pickups", headers=headers).status_code == 200


def test_a_window_in_range_is_accepted(
    client: TestClient, settings: Settings, donor_user: User
) -> None:
    day = (utcnow().date() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        "/api/v1/pickups",
        json={**BOOKING, "windows": _window(day)},
        headers=auth_headers(settings, donor_user),
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1990-05-01"])
def test_a_schedule_out_of_range_is_refused(
    client: TestClient,
    settings: Settings,
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
    day: str,
) -> None:
    booked = client.post(
        "/api/v1/pickups", json=BOOKING, headers=auth_headers(settings, donor_user)
    )
    assert booked.status_code == 201, booked.text
    response = client.post(
        f"/api/v1/pickups/{booked.json()['id']}/schedule",
        json={"date": day, "site_id": workshop.site.id},
        headers=auth_headers(settings, coordinator),
    )
    assert response.status_code == 422, response.text
    assert (
        client.get(
            f"/api/v1/pickups/{booked.json()['id']}", headers=auth_headers(settings, coordinator)
        ).json()["scheduled_on"]
        is None
    )


@pytest.mark.parametrize(
    "started_at",
    ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00", "1999-12-31T23:00:00+00:00"],
)
def test_an_erasure_outside_the_past_is_refused(
    client: TestClient, settings: Settings, workshop: Workshop, started_at: str
) -> None:
    device = workshop.receive()
    body = {
        "storage_serial": "DISK-1",
        "method": "PRNG Stream",
        "nist_level": "clear",
        "tool": "nwipe",
        "result": "erased",
        "verified": True,
        "verification_method": "Verify Last Pass",
        "started_at": started_at,
    }
    headers = auth_headers(settings, workshop.technician)
    response = client.post(f"/api/v1/devices/{device.code}/erasure", json=body, headers=headers)
    assert response.status_code == 422, response.text
    future = (utcnow() + dt.timedelta(hours=1)).isoformat()
    response = client.post(
        f"/api/v1/devices/{device.code}/erasure",
        json={**body, "started_at": None, "ended_at": future},
        headers=headers,
    )
    assert response.status_code == 422, response.text
    skewed = (utcnow() + dt.timedelta(minutes=2)).isoformat()
    response = client.post(
        f"/api/v1/devices/{device.code}/erasure",
        json={**body, "started_at": None, "ended_at": skewed},
        headers=headers,
    )
    assert response.status_code == 201, response.text


def test_page_dates_are_read_in_the_same_range() -> None:
    assert form_date("0001-01-01") is None
    assert form_date("31/12/9999") is None
    assert form_date("٢٠٢٦-01-01") is None
    assert form_date("01/12/2026") == dt.date(2026, 12, 1)
