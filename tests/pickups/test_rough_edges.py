"""Rough edges of a first day on the pickup pages (issue 12): who reads a donor's cancellation,
and which banner each side sees once a pickup is scheduled."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.core.web import LANGUAGE_COOKIE
from collecte.orgs.models import OrgKind
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import Browser, book, collect, on_board, schedule


def _english(visitor: Browser) -> Browser:
    """The visitor reading in English: the checks below read sentences, and English is the
    msgid, whatever the French catalogue holds."""
    visitor.client.cookies.set(LANGUAGE_COOKIE, "en")
    return visitor


WORKSHOP_READS = "The workshop reads it on this page and on its planning board."


def test_a_donor_cancelled_request_reaches_the_workshop_with_its_reason(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = book(db, donor_user, postcode="92400")
    donor = _english(browser(donor_user))
    # What the donor is told before cancelling: the workshop reads the reason.
    assert WORKSHOP_READS in donor.get(f"/pickups/{pickup.id}").text
    cancelled = donor.post(f"/pickups/{pickup.id}/cancel", {"reason": "Déménagement reporté"})
    assert cancelled.status_code == 303
    assert "The pickup is cancelled." in donor.get(cancelled.headers["location"]).text

    # ... and it is true: the coordinator of the workshop serving 92 reads it, on the board
    # (counted and listed with its reason) and on the pickup's page.
    staff = browser(coordinator)
    board = staff.get("/pickups?status=cancelled").text
    assert '<span class="figure" data-count="cancelled">1</span>' in board
    assert on_board(board, pickup) == {pickup.id}
    assert "Déménagement reporté" in board
    page = staff.get(f"/pickups/{pickup.id}")
    assert page.status_code == 200
    assert '<span id="cancel-reason">Déménagement reporté</span>' in page.text

    # A workshop serving elsewhere does not.
    lyon = make_organization(db, kind=OrgKind.WORKSHOP, territories_served=["69"])
    other = browser(make_user(db, role=Role.COORDINATOR, organization=lyon))
    assert other.get(f"/pickups/{pickup.id}").status_code == 404
    assert on_board(other.get("/pickups?status=cancelled").text, pickup) == set()


def test_where_no_workshop_serves_the_donor_is_not_told_one_reads_it(
    db: Session, browser: Callable[[User], Browser], workshop: Workshop, donor_user: User
) -> None:
    pickup = book(db, donor_user, postcode="29200")  # Brest: no workshop serves 29
    page = _english(browser(donor_user)).get(f"/pickups/{pickup.id}").text
    assert "No workshop serves this département yet" in page
    assert WORKSHOP_READS not in page


def test_the_contact_the_workshop_banner_is_for_the_donor_only(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = book(db, donor_user)
    schedule(db, pickup, coordinator, workshop.site)
    staff = _english(browser(coordinator))
    page = staff.get(f"/pickups/{pickup.id}").text
    assert 'id="scheduled-note"' not in page
    assert "contact the workshop" not in page
    edit = staff.get(f"/pickups/{pickup.id}/edit").text
    assert 'id="not-editable"' in edit
    assert "contact the workshop" not in edit

    donor = _english(browser(donor_user))
    page = donor.get(f"/pickups/{pickup.id}").text
    assert 'id="scheduled-note"' in page
    assert "contact the workshop" in page
    assert "contact the workshop" in donor.get(f"/pickups/{pickup.id}/edit").text


def test_the_donation_receipt_names_the_receiving_organisation(
    client: TestClient,
    db: Session,
    settings: Settings,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    """The Cerfa 2041-MEC-SD is issued by the organisation that received the gift: its name,
    SIREN (the SIRET's first nine digits) and address, in the API's data and on the page."""
    receiver = workshop.organization
    receiver.legal_name, receiver.siret = "Atelier Solidaire SCIC SAS", "85234567800019"
    receiver.address = "12 rue de l'Atelier"
    db.flush()
    pickup = book(db, donor_user)
    schedule(db, pickup, coordinator, workshop.site)
    collect(db, pickup, coordinator)
    workshop.receive(serial="CERFA-1", pickup_id=pickup.id)

    data = client.get(
        f"/api/v1/pickups/{pickup.id}/donation-receipt",
        headers=auth_headers(settings, donor_user),
    ).json()
    assert data["recipient"] == {
        "name": "Atelier Solidaire SCIC SAS",
        "siren": "852345678",
        "siret": "85234567800019",
        "address": "12 rue de l'Atelier",
        "postcode": receiver.postcode,
        "city": receiver.city,
    }

    page = browser(donor_user).get(f"/pickups/{pickup.id}/receipt").text
    assert '<dd id="receipt-recipient-name">Atelier Solidaire SCIC SAS</dd>' in page
    assert '<dd id="receipt-recipient-siren">852345678</dd>' in page
    assert f"12 rue de l&#39;Atelier, {receiver.postcode} {receiver.city}" in page

    # Without a legal name, its name; without a SIRET, no SIREN (never a made-up one).
    receiver.legal_name, receiver.siret = None, None
    db.flush()
    plain = client.get(
        f"/api/v1/pickups/{pickup.id}/donation-receipt",
        headers=auth_headers(settings, donor_user),
    ).json()["recipient"]
    assert (plain["name"], plain["siren"]) == (receiver.name, None)
