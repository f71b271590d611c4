"""The coordinator's run sheet in the pages: the form on the board, the stops in the solver's order,
the PDF with the session, refusals, and nothing of another workshop's round."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.orgs.service import create_site
from collecte.pickups import runsheet
from collecte.pickups.models import Pickup
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import DEPOT, Browser, book, offset, schedule

DAY = "2026-12-01"
SHEET = f"/pickups/run-sheet?date={DAY}&vehicle=Van+1"
PDF = f"/pickups/run-sheet.pdf?date={DAY}&vehicle=Van+1"


@pytest.fixture
def stops(
    db: Session, workshop: Workshop, donor_user: User, coordinator: User
) -> dict[str, Pickup]:
    """Four stops of Van 1 from a located site: the nearest has the latest window, one has no
    coordinates."""
    workshop.site.latitude, workshop.site.longitude = DEPOT
    db.flush()  # the site's coordinates, read back by the run sheet

    def planned(address: str, at: tuple[float, float] | None, window: tuple[str, str]) -> Pickup:
        where: dict[str, Any] = {"latitude": at[0], "longitude": at[1]} if at else {}
        pickup = book(db, donor_user, address=address, postcode="93100", **where)
        schedule(db, pickup, coordinator, workshop.site, day=DAY, vehicle="Van 1", window=window)
        return pickup

    return {
        "near": planned("1 rue Proche", offset(0, 1), ("15:00", "16:00")),
        "north": planned("2 avenue du Nord", offset(4, 0), ("09:00", "10:00")),
        "south": planned("3 boulevard du Sud", offset(-4, 0), ("11:00", "12:00")),
        "lost": planned("4 impasse Sans GPS", None, ("09:00", "12:00")),
    }


def _section(page: str, section_id: str) -> str:
    return page.split(f'id="{section_id}"')[1].split("</section>")[0]


def _listed(html: str, *pickups: Pickup) -> list[int]:
    """The ids of these pickups in the order the page lists them."""
    shown = [p for p in pickups if f'id="stop-{p.id}"' in html]
    return [p.id for p in sorted(shown, key=lambda p: html.index(f'id="stop-{p.id}"'))]


def test_the_page_lists_the_stops_in_the_solvers_order(
    db: Session,
    browser: Callable[[User], Browser],
    settings: Settings,
    coordinator: User,
    stops: dict[str, Pickup],
) -> None:
    staff = browser(coordinator)
    page = staff.get(SHEET)
    assert page.status_code == 200, page.text
    route = _section(page.text, "run-sheet-route")
    solved = runsheet.run_sheet(
        db,
        viewer=coordinator,
        on=dt.date.fromisoformat(DAY),
        vehicle="Van 1",
        capacity_kg=settings.van_capacity_kg,
    )
    everything = tuple(stops.values())
    assert _listed(route, *everything) == [s.pickup_id for s in solved.stops]
    assert _listed(route, *everything) == [stops[k].id for k in ("north", "south", "near")]
    north_row = route.split(f'id="stop-{stops["north"].id}"')[1].split("</tr>")[0]
    assert 'data-position="1"' in north_row
    assert "<strong>09:00</strong>" in north_row  # the arrival
    assert "09:00-10:00" in north_row  # the window
    assert "2 avenue du Nord" in north_row
    assert "Jean Dupont" in north_row
    assert _listed(_section(page.text, "run-sheet-uncoordinated"), *everything) == [
        stops["lost"].id
    ]
    assert 'id="run-sheet-unassigned"' not in page.text
    assert f'id="run-sheet-pdf" href="/pickups/run-sheet.pdf?date={DAY}&amp;vehicle=Van+1"' in (
        page.text
    )

    pdf = staff.get(PDF)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    addresses = ("2 avenue du Nord", "3 boulevard du Sud", "1 rue Proche", "4 impasse Sans GPS")
    positions = [" ".join(text.split()).index(a) for a in addresses]
    assert positions == sorted(positions)

    # The pickup page leads to its round.
    pickup_page = staff.get(f"/pickups/{stops['north'].id}").text
    assert 'id="run-sheet-link"' in pickup_page


def test_the_board_offers_the_run_sheet_to_the_workshop_only(
    db: Session, browser: Callable[[User], Browser], workshop: Workshop, donor_user: User
) -> None:
    for role in (Role.COORDINATOR, Role.TECHNICIAN, Role.ADMIN):
        organization = None if role is Role.ADMIN else workshop.organization
        board = browser(make_user(db, role=role, organization=organization)).get("/pickups")
        assert 'id="run-sheet-form"' in board.text, role
        assert 'action="/pickups/run-sheet"' in board.text
        assert 'name="date"' in board.text
        assert 'name="driver"' in board.text
    assert 'id="run-sheet-form"' not in browser(donor_user).get("/pickups").text


def test_a_technician_reads_the_round_with_its_driver(
    browser: Callable[[User], Browser], workshop: Workshop, stops: dict[str, Pickup]
) -> None:
    technician = browser(workshop.technician)
    page = technician.get(SHEET + "&driver=Awa+Diallo")
    assert page.status_code == 200, page.text
    assert _listed(_section(page.text, "run-sheet-route"), *stops.values()) == [
        stops[k].id for k in ("north", "south", "near")
    ]
    assert 'id="run-sheet-driver">Awa Diallo<' in page.text
    assert "driver=Awa+Diallo" in page.text.split('id="run-sheet-pdf"')[1].split(">")[0]
    pdf = technician.get(PDF + "&driver=Awa+Diallo")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Awa Diallo" in text
    # The pickup page leads the technician to the round too.
    assert 'id="run-sheet-link"' in technician.get(f"/pickups/{stops['north'].id}").text


def test_donors_partners_and_auditors_are_refused(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    stops: dict[str, Pickup],
) -> None:
    for user in (
        donor_user,
        make_user(db, role=Role.PARTNER),
        make_user(db, role=Role.AUDITOR),
    ):
        visitor = browser(user)
        for url in (SHEET, PDF, "/pickups/run-sheet", f"/pickups/run-sheet?date={DAY}&vehicle="):
            refused = visitor.get(url)
            assert refused.status_code == 403, (user.role, url)
            assert "2 avenue du Nord" not in refused.text


def test_another_workshops_coordinator_sees_none_of_our_stops(
    db: Session, browser: Callable[[User], Browser], stops: dict[str, Pickup]
) -> None:
    rival = Workshop(db)
    rival_coordinator = browser(
        make_user(db, role=Role.COORDINATOR, organization=rival.organization)
    )
    page = rival_coordinator.get(SHEET)
    assert page.status_code == 404
    assert 'id="run-sheet-empty"' in page.text
    assert _listed(page.text, *stops.values()) == []
    for pickup in stops.values():
        assert pickup.address not in page.text
    assert rival_coordinator.get(PDF).status_code == 404


def test_a_bad_date_an_empty_day_and_no_date(
    browser: Callable[[User], Browser], coordinator: User, stops: dict[str, Pickup]
) -> None:
    staff = browser(coordinator)
    for bad in ("2026-13-01", "demain", "01/12/2026"):
        page = staff.get(f"/pickups/run-sheet?date={bad}&vehicle=Van+1")
        assert page.status_code == 422, bad
        assert 'id="e-date"' in page.text
        assert 'id="run-sheet-error"' in page.text
        assert 'id="run-sheet-form"' in page.text
        assert staff.get(f"/pickups/run-sheet.pdf?date={bad}&vehicle=Van+1").status_code == 422
    assert staff.get(f"/pickups/run-sheet?date={DAY}&vehicle=Van+1&site_id=x").status_code == 422

    empty = staff.get("/pickups/run-sheet?date=2026-12-02&vehicle=Van+1")
    assert empty.status_code == 404
    assert 'id="run-sheet-empty"' in empty.text
    assert "02/12/2026" in empty.text
    assert 'id="run-sheet-pdf"' not in empty.text
    assert staff.get("/pickups/run-sheet.pdf?date=2026-12-02&vehicle=Van+1").status_code == 404

    blank = staff.get("/pickups/run-sheet")
    assert blank.status_code == 200
    assert 'id="run-sheet-form"' in blank.text
    assert 'id="run-sheet-empty"' not in blank.text


def test_a_van_serving_two_sites_asks_which_round(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
    stops: dict[str, Pickup],
) -> None:
    annex = create_site(
        db, organization_id=workshop.organization.id, name="Annexe", postcode="93100", city="X"
    )
    other = book(db, donor_user, address="7 rue de l'Annexe", postcode="93100")
    schedule(db, other, coordinator, annex, day=DAY, vehicle="Van 1")
    staff = browser(coordinator)
    page = staff.get(SHEET)
    assert page.status_code == 409
    assert f'id="run-sheet-site-{annex.id}"' in page.text
    assert f'id="run-sheet-site-{workshop.site.id}"' in page.text
    annex_round = staff.get(f"{SHEET}&site_id={annex.id}")
    assert annex_round.status_code == 200
    assert _listed(annex_round.text, other, *stops.values()) == [other.id]
    assert staff.get(f"{PDF}&site_id={annex.id}").status_code == 200


def test_a_stop_left_out_says_why_in_the_visitors_language(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
    stops: dict[str, Pickup],
) -> None:
    heavy = book(
        db,
        donor_user,
        address="5 quai des Archives",
        postcode="93100",
        latitude=offset(1, 1)[0],
        longitude=offset(1, 1)[1],
        estimated_weight_kg=900,
    )
    schedule(
        db, heavy, coordinator, workshop.site, day=DAY, vehicle="Van 1", window=("10:00", "11:00")
    )
    sheet = runsheet.run_sheet(
        db, viewer=coordinator, on=dt.date.fromisoformat(DAY), vehicle="Van 1", capacity_kg=600
    )
    (left_out,) = sheet.unassigned
    assert (left_out.pickup_id, left_out.reason_code) == (heavy.id, "too_heavy")
    assert left_out.reason_values == {"load": "900", "capacity": "600"}
    assert "exceeds the vehicle's 600 kg capacity" in (left_out.reason or "")
    page = browser(coordinator).get(SHEET)  # the pages are in French by default
    row = _section(page.text, "run-sheet-unassigned").split(f'id="stop-{heavy.id}"')[1]
    assert (
        "sa charge prévue de 900 kg dépasse à elle seule la capacité du véhicule (600 kg)"
        in (row.split("</tr>")[0])
    )
