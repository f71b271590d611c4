"""Bookings are geocoded before their transaction, fall back to the commune's centre and say so, a
planner corrects a position, and a booking made in the form lands on the run sheet in order."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.core.events import Event, EventKind
from collecte.geo.communes import commune_centre
from collecte.orgs.models import OrgKind, Site
from collecte.pickups.models import Pickup
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.factories.devices import Workshop
from tests.geostandin import StandIn, closed_port_url, standin
from tests.pickups.pagehelpers import BOOKING_FORM, DEPOT, Browser, collect, offset

__all__ = ["standin"]

DAY = "2026-12-01"
VOLTAIRE = (48.85421, 2.43567)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, standin: StandIn) -> Settings:
    """The test settings, with the geocoder at the local stand-in."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-not-for-production",
        geocoder_url=standin.url,
        geocoder_timeout_seconds=0.5,
    )


def _booking(address: str = "12 rue Voltaire", **extra: Any) -> dict[str, Any]:
    return {
        "address": address,
        "postcode": "93100",
        "city": "Montreuil",
        "contact_name": "Jean Dupont",
        "contact_email": "jean.dupont@example.org",
        "windows": [{"start": f"{DAY}T09:00:00+01:00", "end": f"{DAY}T17:00:00+01:00"}],
        "items": [{"category": "laptop", "quantity": 2}],
        **extra,
    }


def _book(client: TestClient, settings: Settings, user: User, **extra: Any) -> dict[str, Any]:
    booked = client.post(
        "/api/v1/pickups", json=_booking(**extra), headers=auth_headers(settings, user)
    )
    assert booked.status_code == 201, booked.text
    result: dict[str, Any] = booked.json()
    return result


def test_the_api_booking_is_placed_at_its_address(
    client: TestClient, settings: Settings, standin: StandIn, donor_user: User
) -> None:
    standin.places["12 rue Voltaire"] = VOLTAIRE
    pickup = _book(client, settings, donor_user)
    assert (pickup["latitude"], pickup["longitude"]) == VOLTAIRE
    assert pickup["position_source"] == "address"
    assert pickup["position_approximate"] is False
    assert pickup["position_label"] == "found at 48.85421,2.43567"


def test_unreachable_geocoder_places_it_at_the_commune_and_says_so(
    client: TestClient,
    settings: Settings,
    donor_user: User,
    browser: Callable[[User], Browser],
) -> None:
    settings.geocoder_url = closed_port_url()
    pickup = _book(client, settings, donor_user)
    centre = commune_centre("93100")
    assert centre is not None
    assert (pickup["latitude"], pickup["longitude"]) == (centre.latitude, centre.longitude)
    assert pickup["position_source"] == "commune"
    assert pickup["position_approximate"] is True
    page = browser(donor_user).get(f"/pickups/{pickup['id']}")
    assert 'id="position-approximate"' in page.text
    assert 'id="position-form"' not in page.text  # a donor does not correct it


def test_coordinates_given_win_and_the_geocoder_is_not_asked(
    client: TestClient, settings: Settings, standin: StandIn, donor_user: User
) -> None:
    standin.places["12 rue Voltaire"] = VOLTAIRE
    pickup = _book(client, settings, donor_user, latitude=48.1, longitude=2.2)
    assert (pickup["latitude"], pickup["longitude"], pickup["position_source"]) == (
        48.1,
        2.2,
        "manual",
    )
    assert standin.requests == []
    half = client.post(
        "/api/v1/pickups",
        json=_booking(latitude=48.1),
        headers=auth_headers(settings, donor_user),
    )
    assert half.status_code == 422
    assert half.json()["code"] == "partial_coordinates"


def test_the_geocoder_is_asked_before_the_transaction_opens(
    app: FastAPI,
    client: TestClient,
    settings: Settings,
    standin: StandIn,
    donor_user: User,
    browser: Callable[[User], Browser],
) -> None:
    standin.places["12 rue Voltaire"] = VOLTAIRE
    standin.places["1 place de la Défense"] = VOLTAIRE
    opened = app.state.open_session
    asked_when_opened: list[int] = []

    def noting() -> AbstractContextManager[Session]:
        asked_when_opened.append(len(standin.requests))
        return opened()  # type: ignore[no-any-return]

    visitor = browser(donor_user)  # signed in before the count starts
    app.state.open_session = noting
    _book(client, settings, donor_user)
    assert asked_when_opened == [1]  # one request, one session, opened after the geocoder answered
    posted = visitor.post("/pickups/new", BOOKING_FORM)
    assert posted.status_code == 303, posted.text
    assert asked_when_opened == [1, 2]


def test_an_anonymous_caller_makes_no_one_ask_the_geocoder(
    client: TestClient, standin: StandIn
) -> None:
    refused = client.post("/api/v1/pickups", json=_booking())
    assert refused.status_code == 401
    assert standin.requests == []


def test_a_new_address_is_geocoded_again(
    client: TestClient, settings: Settings, standin: StandIn, donor_user: User
) -> None:
    standin.places["12 rue Voltaire"] = VOLTAIRE
    pickup = _book(client, settings, donor_user)
    elsewhere = (48.87, 2.45)
    standin.places["3 rue de Paris"] = elsewhere
    headers = auth_headers(settings, donor_user)
    url = f"/api/v1/pickups/{pickup['id']}"
    edited = client.patch(url, json={"floor": "2"}, headers=headers).json()
    assert (edited["latitude"], edited["longitude"]) == VOLTAIRE  # not moved
    moved = client.patch(
        url, json={"address": "3 rue de Paris", "postcode": "93100"}, headers=headers
    ).json()
    assert (moved["latitude"], moved["longitude"], moved["position_source"]) == (
        *elsewhere,
        "address",
    )
    street_only = client.patch(url, json={"address": "9 rue Inconnue"}, headers=headers).json()
    assert street_only["position_source"] == "commune"


def test_a_site_is_placed_at_its_address(
    client: TestClient, settings: Settings, standin: StandIn, workshop: Workshop, db: Session
) -> None:
    standin.places["5 rue des Ateliers"] = VOLTAIRE
    admin = auth_headers(settings, make_user(db, role=Role.ADMIN))
    body = {
        "organization_id": workshop.organization.id,
        "name": "Annexe",
        "address": "5 rue des Ateliers",
        "postcode": "93100",
        "city": "Montreuil",
    }
    site = client.post("/api/v1/sites", json=body, headers=admin).json()
    assert (site["latitude"], site["longitude"], site["position_source"]) == (*VOLTAIRE, "address")
    given = client.post(
        "/api/v1/sites", json={**body, "latitude": 48.0, "longitude": 2.0}, headers=admin
    ).json()
    assert given["position_source"] == "manual"
    assert len(standin.requests) == 1
    settings.geocoder_url = closed_port_url()
    approximate = client.post(
        "/api/v1/sites", json={**body, "address": "nulle part"}, headers=admin
    ).json()
    assert approximate["position_source"] == "commune"


def _position_events(db: Session, pickup_id: int) -> list[Event]:
    query = select(Event).where(
        Event.pickup_id == pickup_id, Event.kind == EventKind.PICKUP_UPDATED
    )
    return list(db.scalars(query))


def test_a_coordinator_corrects_the_position_on_the_page(
    db: Session,
    client: TestClient,
    settings: Settings,
    donor_user: User,
    coordinator: User,
    browser: Callable[[User], Browser],
) -> None:
    settings.geocoder_url = closed_port_url()
    pickup_id = _book(client, settings, donor_user)["id"]
    staff = browser(coordinator)
    page = staff.get(f"/pickups/{pickup_id}")
    assert 'id="position-approximate"' in page.text
    assert 'id="position-form"' in page.text

    corrected = staff.post(
        f"/pickups/{pickup_id}/position",
        {"latitude": "48,8612", "longitude": "2,4411", "use": "coordinates"},
    )
    assert corrected.status_code == 303, corrected.text
    pickup = db.get_one(Pickup, pickup_id)
    db.refresh(pickup)
    assert (pickup.latitude, pickup.longitude, pickup.position_source) == (
        48.8612,
        2.4411,
        "manual",
    )
    (event,) = _position_events(db, pickup_id)
    assert event.payload == {"fields": ["position"]}
    assert event.actor_id == coordinator.id
    page = staff.get(f"/pickups/{pickup_id}?done=position")
    assert 'id="position-approximate"' not in page.text
    assert "48.86120, 2.44110" in page.text

    wrong = staff.post(f"/pickups/{pickup_id}/position", {"latitude": "91", "longitude": "2"})
    assert wrong.status_code == 422
    back = staff.post(f"/pickups/{pickup_id}/position", {"use": "commune"})
    assert back.status_code == 303
    db.refresh(pickup)
    assert pickup.position_source == "commune"
    assert len(_position_events(db, pickup_id)) == 2


def test_only_the_pickups_planners_correct_its_position(
    db: Session,
    client: TestClient,
    settings: Settings,
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
    browser: Callable[[User], Browser],
) -> None:
    pickup_id = _book(client, settings, donor_user)["id"]
    form = {"latitude": "48.1", "longitude": "2.1", "use": "coordinates"}
    body = {"latitude": 48.1, "longitude": 2.1}
    url = f"/pickups/{pickup_id}/position"
    # A workshop far away: the request waits in a département it does not serve.
    marseille = make_organization(db, kind=OrgKind.WORKSHOP, territories_served=["13"])
    rival = make_user(db, role=Role.COORDINATOR, organization=marseille)
    for user, status in ((donor_user, 403), (workshop.technician, 403), (rival, 404)):
        assert browser(user).post(url, form).status_code == status, user.role
        api = client.post(f"/api/v1{url}", json=body, headers=auth_headers(settings, user))
        assert api.status_code == status, (user.role, api.text)
        assert {"error", "detail"} <= set(api.json())
    pickup = db.get_one(Pickup, pickup_id)
    db.refresh(pickup)
    assert pickup.position_source == "commune"  # unchanged (the geocoder found nothing)
    assert _position_events(db, pickup_id) == []

    headers = auth_headers(settings, coordinator)
    ok = client.post(f"/api/v1{url}", json=body, headers=headers)
    assert ok.status_code == 200
    assert (ok.json()["latitude"], ok.json()["position_source"]) == (48.1, "manual")
    both = client.post(f"/api/v1{url}", json={**body, "commune_centre": True}, headers=headers)
    assert both.status_code == 422


def test_a_collected_pickups_position_is_closed(
    db: Session,
    client: TestClient,
    settings: Settings,
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup_id = _book(client, settings, donor_user)["id"]
    headers = auth_headers(settings, coordinator)
    plan = {"date": DAY, "site_id": workshop.site.id}
    assert client.post(f"/api/v1/pickups/{pickup_id}/schedule", json=plan, headers=headers)
    collect(db, db.get_one(Pickup, pickup_id), coordinator)
    refused = client.post(
        f"/api/v1/pickups/{pickup_id}/position", json={"commune_centre": True}, headers=headers
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "position_closed"


def _stop_order(html: str, ids: list[int]) -> list[int]:
    route = html.split('id="run-sheet-route"')[1].split("</section>")[0]
    return sorted(
        (i for i in ids if f'id="stop-{i}"' in route), key=lambda i: route.index(f'id="stop-{i}"')
    )


def test_a_booking_made_in_the_form_lands_on_the_run_sheet_in_order(
    db: Session,
    standin: StandIn,
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
    browser: Callable[[User], Browser],
) -> None:
    """Done when: the donor books in the form, the coordinator schedules on the pickup page, and
    the run sheet places each stop in the solver's order, from where the geocoder put it."""
    site: Site = workshop.site
    site.latitude, site.longitude = DEPOT
    db.flush()  # the depot, read back by the run sheet
    stops = {
        # address: (where the stand-in puts it, the window set when scheduling)
        "1 rue Proche": (offset(0, 1), ("15:00", "16:00")),
        "2 avenue du Nord": (offset(4, 0), ("09:00", "10:00")),
        "3 boulevard du Sud": (offset(-4, 0), ("11:00", "12:00")),
    }
    donor, staff = browser(donor_user), browser(coordinator)
    ids: dict[str, int] = {}
    for address, (at, window) in stops.items():
        standin.places[address] = at
        booked = donor.post(
            "/pickups/new",
            {**BOOKING_FORM, "address": address, "postcode": "93100", "city": "Montreuil"},
        )
        assert booked.status_code == 303, booked.text
        pickup_id = int(booked.headers["location"].split("/")[2].split("?")[0])
        ids[address] = pickup_id
        page = staff.get(f"/pickups/{pickup_id}")
        assert "found at" in page.text  # placed at its address, not approximately
        scheduled = staff.post(
            f"/pickups/{pickup_id}/schedule",
            {
                "date": DAY,
                "window_start": window[0],
                "window_end": window[1],
                "site_id": str(site.id),
                "vehicle": "Van 1",
            },
        )
        assert scheduled.status_code == 303, scheduled.text
    assert len(standin.requests) == 3
    sheet = staff.get(f"/pickups/run-sheet?date={DAY}&vehicle=Van+1")
    assert sheet.status_code == 200, sheet.text
    assert 'id="run-sheet-uncoordinated"' not in sheet.text
    expected = [ids["2 avenue du Nord"], ids["3 boulevard du Sud"], ids["1 rue Proche"]]
    assert _stop_order(sheet.text, list(ids.values())) == expected
