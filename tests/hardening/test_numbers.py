"""Numbers are ASCII digits and bounded: "²" passed ``isdigit`` then failed ``int``, 2**70 or
``Infinity`` overflowed a column, "٧٥٠١١" became the territory "٧٥"."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.forms import ascii_int
from collecte.orgs.territory import UnknownPostcode, territory_for_postcode
from collecte.pickups.pages_board import _filters
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop
from tests.hardening.conftest import BOOKING


@pytest.mark.parametrize("text", ["²", "٧", "１", "1e3", "", " ", "-1", "99999999999999999999999"])
def test_ascii_int_refuses_what_is_not_an_ascii_number(text: str) -> None:
    assert ascii_int(text, low=0, high=1000) is None


def test_ascii_int_reads_an_ascii_number_in_range() -> None:
    assert ascii_int("42", low=1, high=100) == 42
    assert ascii_int(" 7 ", low=1, high=100) == 7
    assert ascii_int("101", low=1, high=100) is None
    assert ascii_int("-3", low=-5, high=5) == -3


def test_the_board_ignores_a_superscript_site() -> None:
    params = dict.fromkeys(("status", "date_from", "date_to", "area", "vehicle", "q"), "")
    assert _filters({**params, "site_id": "²"}).site_id is None
    assert _filters({**params, "site_id": "3"}).site_id == 3


@pytest.mark.parametrize("postcode", ["٧٥٠١١", "７５０１１"])
def test_a_postcode_of_other_digits_is_refused(postcode: str) -> None:
    with pytest.raises(UnknownPostcode):
        territory_for_postcode(postcode)


def test_a_booking_postcode_of_other_digits_is_refused(
    client: TestClient, settings: Settings, donor_user: User
) -> None:
    response = client.post(
        "/api/v1/pickups",
        json={**BOOKING, "postcode": "٧٥٠١١"},
        headers=auth_headers(settings, donor_user),
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("value", ["Infinity", "NaN", "-Infinity", "1e300"])
def test_infinite_weights_are_refused(
    client: TestClient, settings: Settings, workshop: Workshop, donor_user: User, value: str
) -> None:
    body = (
        '{"category": "laptop", "brand": "L", "model": "T", "has_storage": true,'
        f' "weight_kg": {value}, "specs": {{"screen_in": {value}}}}}'
    )
    response = client.post(
        "/api/v1/devices",
        content=body,
        headers={**auth_headers(settings, workshop.technician), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    booking = BOOKING | {"estimated_weight_kg": "__"}
    import json

    text = json.dumps(booking).replace('"__"', value)
    response = client.post(
        "/api/v1/pickups",
        content=text,
        headers={**auth_headers(settings, donor_user), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text


def test_huge_counts_and_sizes_are_refused(
    client: TestClient,
    db: Session,
    settings: Settings,
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    booked = client.post(
        "/api/v1/pickups", json=BOOKING, headers=auth_headers(settings, donor_user)
    )
    url = f"/api/v1/pickups/{booked.json()['id']}"
    client.post(
        f"{url}/schedule",
        json={"date": "2026-12-01", "site_id": workshop.site.id},
        headers=auth_headers(settings, coordinator),
    )
    tech = auth_headers(settings, workshop.technician)
    body = {"weight_kg": 6, "released_by": "C. Martin", "received_by": "A. Diallo"}
    for counts in ({"laptop": 10**30}, {"laptop": 2**63}, {"laptop": -1}):
        response = client.post(f"{url}/collect", json={**body, "counts": counts}, headers=tech)
        assert response.status_code == 422, response.text
    device = workshop.receive()
    erasure = {
        "storage_serial": "DISK-1",
        "method": "PRNG Stream",
        "nist_level": "clear",
        "tool": "nwipe",
        "result": "erased",
        "verified": True,
        "verification_method": "Verify Last Pass",
        "storage_size_bytes": 10**30,
    }
    response = client.post(f"/api/v1/devices/{device.code}/erasure", json=erasure, headers=tech)
    assert response.status_code == 422, response.text
    response = client.post(
        f"/api/v1/devices/{device.code}/repairs",
        json={"description": "fan", "minutes": 10**30},
        headers=tech,
    )
    assert response.status_code == 422, response.text
