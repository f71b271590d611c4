"""The daily run sheet of a van: solved order, capacity, stops without coordinates, PDF, scoping."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.documents.models import Document
from collecte.orgs.models import Site
from collecte.orgs.service import create_site
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import DEPOT, offset

DAY = "2026-12-01"
UNPLACED = "93999"


def _booking(address: str, **extra: Any) -> dict[str, Any]:
    return {
        "address": address,
        "postcode": extra.pop("postcode", "93100"),
        "city": "Montreuil",
        "contact_name": f"Contact of {address}",
        "contact_email": "it@donor.example.org",
        "windows": [{"start": f"{DAY}T09:00:00+01:00", "end": f"{DAY}T12:00:00+01:00"}],
        "items": [{"category": "laptop", "quantity": 2}],
        **extra,
    }


class Round:
    """A workshop whose site has coordinates, a donor, and a coordinator to plan the day."""

    def __init__(self, client: TestClient, settings: Settings, db: Session) -> None:
        self.client, self.settings, self.workshop = client, settings, Workshop(db)
        self.workshop.site.latitude, self.workshop.site.longitude = DEPOT
        db.flush()  # the site's coordinates, read back by the requests below
        self.donor = make_user(db, role=Role.DONOR, organization=self.workshop.donor)
        self.coordinator = make_user(
            db, role=Role.COORDINATOR, organization=self.workshop.organization
        )

    def plan(
        self,
        address: str,
        *,
        at: tuple[float, float] | None,
        window: tuple[str, str] | None,
        vehicle: str = "Van 1",
        site: Site | None = None,
        **extra: Any,
    ) -> int:
        """Book a pickup as the donor and schedule it as the coordinator; its id."""
        # Without coordinates, a postcode no commune has: neither the geocoder (off in tests) nor
        # the commune centres place the pickup.
        where = {"latitude": at[0], "longitude": at[1]} if at else {"postcode": UNPLACED}
        booked = self.client.post(
            "/api/v1/pickups",
            json=_booking(address, **where, **extra),
            headers=auth_headers(self.settings, self.donor),
        )
        assert booked.status_code == 201, booked.text
        pickup_id = int(booked.json()["id"])
        plan = {"date": DAY, "site_id": (site or self.workshop.site).id, "vehicle": vehicle}
        if window:
            plan |= {"window_start": window[0], "window_end": window[1]}
        scheduled = self.client.post(
            f"/api/v1/pickups/{pickup_id}/schedule",
            json=plan,
            headers=auth_headers(self.settings, self.coordinator),
        )
        assert scheduled.status_code == 200, scheduled.text
        return pickup_id

    def sheet(self, user: User | None = None, /, **params: Any) -> Any:
        return self.client.get(
            "/api/v1/pickups/run-sheet",
            params={"date": DAY, "vehicle": "Van 1", **params},
            headers=auth_headers(self.settings, user or self.coordinator),
        )

    def pdf(self, user: User | None = None, /, **params: Any) -> Any:
        return self.client.get(
            "/api/v1/pickups/run-sheet.pdf",
            # English: these tests read the sheet's wording; French is tested with the documents.
            params={"date": DAY, "vehicle": "Van 1", "lang": "en", **params},
            headers=auth_headers(self.settings, user or self.coordinator),
        )


@pytest.fixture
def day(client: TestClient, settings: Settings, db: Session) -> Round:
    return Round(client, settings, db)


@pytest.fixture
def stops(day: Round) -> dict[str, int]:
    """Four stops: the nearest has the latest window, one has no coordinates."""
    return {
        # 1 km east, the nearest, but only reachable late in the afternoon.
        "near": day.plan(
            "1 rue Proche",
            at=offset(0, 1),
            window=("15:00", "16:00"),
            estimated_weight_kg=10,
            has_elevator=True,
            van_parking=True,
            access_notes="badge at the front desk",
            contact_phone="01 23 45 67 89",
            call_ahead=True,
            building="Tour B",
            floor="3",
            room="IT storeroom",
        ),
        "north": day.plan(
            "2 avenue du Nord", at=offset(4, 0), window=("09:00", "10:00"), estimated_weight_kg=20
        ),
        # No weight given: estimated from 3 laptops and 2 smartphones (6.4 kg).
        "south": day.plan(
            "3 boulevard du Sud",
            at=offset(-4, 0),
            window=("11:00", "12:00"),
            items=[
                {"category": "laptop", "quantity": 3},
                {"category": "smartphone", "quantity": 2},
            ],
        ),
        # No coordinates, no window set when scheduling: the donor's own window of the day.
        "lost": day.plan("4 impasse Sans GPS", at=None, window=None, estimated_weight_kg=5),
    }


def test_stops_follow_their_windows_not_just_the_map(day: Round, stops: dict[str, int]) -> None:
    response = day.sheet()
    assert response.status_code == 200, response.text
    sheet = response.json()
    # By distance alone the nearest stop would sit between north and south; its window puts it last.
    assert [s["pickup_id"] for s in sheet["stops"]] == [
        stops["north"],
        stops["south"],
        stops["near"],
    ]
    assert [s["position"] for s in sheet["stops"]] == [1, 2, 3]
    for stop in sheet["stops"]:
        start, end = stop["windows"][0].split("-")
        assert start <= stop["arrival"] <= end
    assert sheet["stops"][0]["arrival"] == "09:00"
    assert sheet["departure"] < "09:00" < sheet["return_at"]
    assert sheet["depot_located"] is True
    assert sheet["site"]["id"] == day.workshop.site.id
    assert sheet["unassigned"] == []
    near = sheet["stops"][2]
    assert near["access"] == ["elevator", "van parking"]
    assert near["call_ahead"] is True
    assert near["contact_phone"] == "01 23 45 67 89"
    assert (near["building"], near["floor"], near["room"]) == ("Tour B", "3", "IT storeroom")
    south = sheet["stops"][1]
    assert south["weight_estimated"] is True
    assert south["expected_weight_kg"] == pytest.approx(6.4)
    assert south["item_count"] == 5
    # The stop without coordinates is listed apart, with the donor's window of that day.
    assert [s["pickup_id"] for s in sheet["uncoordinated"]] == [stops["lost"]]
    assert sheet["uncoordinated"][0]["windows"] == ["09:00-12:00"]
    assert sheet["uncoordinated"][0]["arrival"] is None
    assert sheet["planned_weight_kg"] == pytest.approx(36.4)
    assert sheet["total_weight_kg"] == pytest.approx(41.4)
    assert sheet["capacity_kg"] == day.settings.van_capacity_kg
    assert sheet["over_capacity"] is False


def test_pdf_lists_the_stops_in_order_and_is_recorded(
    day: Round, stops: dict[str, int], db: Session
) -> None:
    response = day.pdf()
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Run sheet" in text
    assert "vehicle Van 1" in text
    assert "1 December 2026" in text  # the day in words: 01/12 reads as January 12 in English
    positions = [
        text.index(address)
        for address in (
            "2 avenue du Nord",
            "3 boulevard du Sud",
            "1 rue Proche",
            "4 impasse Sans GPS",
        )
    ]
    assert positions == sorted(positions)
    assert text.index("Without coordinates") < text.index("4 impasse Sans GPS")
    for expected in (
        "CALL AHEAD",
        "badge at the front desk",
        "Tour B",
        "IT storeroom",
        "Access: elevator, van parking",
        "09:00-10:00",
        "capacity 600 kg",
    ):
        assert expected in text, expected
    digest = hashlib.sha256(response.content).hexdigest()
    assert response.headers["X-Document-SHA256"] == digest
    document = db.scalar(select(Document).where(Document.sha256 == digest))
    assert document is not None
    assert document.kind == "run_sheet"
    assert document.organization_id == day.workshop.organization.id


def test_capacity_leaves_a_stop_out_and_says_so(
    day: Round, stops: dict[str, int], settings: Settings
) -> None:
    # 20 kg: north (20 kg) fits alone, but near + south (10 + 6.4 kg) make two stops.
    sheet = day.sheet(capacity_kg=20).json()
    assert [s["pickup_id"] for s in sheet["stops"]] == [stops["south"], stops["near"]]
    assert [s["pickup_id"] for s in sheet["unassigned"]] == [stops["north"]]
    assert "vehicle is full" in sheet["unassigned"][0]["reason"]
    assert sheet["planned_weight_kg"] <= 20
    # With the stop that has no coordinates, the van would be over its payload.
    assert sheet["over_capacity"] is True
    # The configured capacity is the default.
    settings.van_capacity_kg = 20
    assert day.sheet().json()["unassigned"] == sheet["unassigned"]
    text = " ".join(
        " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(day.pdf().content)).pages
        ).split()
    )
    assert "Not on the route: 1 stop the solver could not fit" in text
    assert "vehicle is full" in text
    assert "exceeds the vehicle's capacity" in text


def test_vehicle_and_date_select_the_round(day: Round, stops: dict[str, int]) -> None:
    other_van = day.plan("5 rue Autre Camion", at=offset(1, 1), window=None, vehicle="Van 2")
    ids = {s["pickup_id"] for s in day.sheet(vehicle="van 1").json()["stops"]}
    assert other_van not in ids
    assert ids == {stops["near"], stops["north"], stops["south"]}
    assert [s["pickup_id"] for s in day.sheet(vehicle="Van 2").json()["stops"]] == [other_van]
    missing = day.sheet(vehicle="Van 9")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert "Van 9" in missing.json()["detail"]
    assert day.sheet(date="2026-12-02").status_code == 404
    for bad in (
        {"date": "2026-13-01"},
        {"date": "tomorrow"},
        {"capacity_kg": "-5"},
        {"site_id": "x"},
    ):
        response = day.sheet(**bad)
        assert response.status_code == 422, bad
        assert set(response.json()) >= {"error", "detail"}
    no_date = day.client.get(
        "/api/v1/pickups/run-sheet",
        headers=auth_headers(day.settings, day.coordinator),
    )
    assert no_date.status_code == 422
    assert day.pdf(date="2026-02-30").status_code == 422


def test_only_the_receiving_workshop_reads_the_sheet(
    day: Round, stops: dict[str, int], db: Session
) -> None:
    stranger = make_user(db, role=Role.COORDINATOR)
    for fetch in (day.sheet, day.pdf):
        assert fetch(stranger).status_code == 404
    assert db.scalar(select(Document).where(Document.kind == "run_sheet")) is None
    stranger_technician = make_user(db, role=Role.TECHNICIAN)
    assert day.sheet(stranger_technician).status_code == 404
    for role, organization in (
        (Role.DONOR, day.workshop.donor),
        (Role.PARTNER, None),
        (Role.AUDITOR, None),
    ):
        user = make_user(db, role=role, organization=organization)
        for fetch in (day.sheet, day.pdf):
            refused = fetch(user)
            assert refused.status_code == 403, (role, refused.text)
            assert refused.json()["error"] == "forbidden"
    admin = make_user(db, role=Role.ADMIN)
    assert len(day.sheet(admin).json()["stops"]) == 3
    # The technicians who record the collections read the round they go on.
    technician = day.workshop.technician
    assert [s["pickup_id"] for s in day.sheet(technician).json()["stops"]] == [
        s["pickup_id"] for s in day.sheet().json()["stops"]
    ]
    assert day.pdf(technician).status_code == 200
    assert day.client.get("/api/v1/pickups/run-sheet", params={"date": DAY}).status_code == 401


def test_a_van_serving_two_sites_needs_one_named(day: Round, db: Session) -> None:
    first = day.plan("6 rue Un", at=offset(1, 0), window=None)
    annex = create_site(
        db,
        organization_id=day.workshop.organization.id,
        name="Annex",
        postcode="93100",
        city="Montreuil",
    )
    second = day.plan("7 rue Deux", at=offset(2, 0), window=None, site=annex)
    conflict = day.sheet()
    assert conflict.status_code == 409
    assert conflict.json()["sites"] == sorted([day.workshop.site.id, annex.id])
    sheet = day.sheet(site_id=annex.id).json()
    assert [s["pickup_id"] for s in sheet["stops"]] == [second]
    # The annex has no coordinates: the route is open, with no drive back to count.
    assert sheet["depot_located"] is False
    assert sheet["return_at"] is None
    assert [s["pickup_id"] for s in day.sheet(site_id=day.workshop.site.id).json()["stops"]] == [
        first
    ]
    text = PdfReader(io.BytesIO(day.pdf(site_id=annex.id).content)).pages[0].extract_text()
    assert "no coordinates" in " ".join(text.split())


def test_pickups_without_a_vehicle_have_their_own_sheet(day: Round) -> None:
    alone = day.plan("8 rue Sans Camion", at=offset(1, 1), window=("10:00", "11:00"), vehicle="")
    sheet = day.sheet(vehicle="").json()
    assert [s["pickup_id"] for s in sheet["stops"]] == [alone]
    assert sheet["vehicle"] == ""
    response = day.pdf(vehicle="")
    assert response.status_code == 200
    assert "no vehicle" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
