"""Which workshops see a pickup: those serving its département while it waits, then the one
whose site receives it; the operator, auditors and its donor always."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.schemas import ServedTerritory
from collecte.pickups import service
from collecte.pickups.models import Pickup
from tests.factories.accounts import auth_headers, make_organization, make_site, make_user
from tests.pickups.pagehelpers import Browser, book, on_board, schedule

LYON = "69003"


def _coordinator(db: Session, *served: str | ServedTerritory) -> tuple[User, Site]:
    """A coordinator of a fresh workshop serving these départements, and that workshop's site."""
    workshop = make_organization(db, kind=OrgKind.WORKSHOP, territories_served=list(served))
    return make_user(db, role=Role.COORDINATOR, organization=workshop), make_site(
        db, organization=workshop, postcode=LYON
    )


def _donor(db: Session) -> User:
    return make_user(db, role=Role.DONOR, organization=make_organization(db, kind=OrgKind.DONOR))


def _sees(client: TestClient, settings: Settings, user: User, pickup: Pickup) -> bool:
    """Whether the API shows the pickup to this user, in the list and by its id (both agree)."""
    headers = auth_headers(settings, user)
    listed = pickup.id in {p["id"] for p in client.get("/api/v1/pickups", headers=headers).json()}
    detail = client.get(f"/api/v1/pickups/{pickup.id}", headers=headers).status_code
    assert detail in (200, 404)
    assert listed == (detail == 200), (listed, detail)
    return listed


def _sees_page(browser: Callable[[User], Browser], user: User, pickup: Pickup) -> bool:
    """Whether the pages show it: on the board and on its own page (both agree)."""
    visitor = browser(user)
    board = visitor.get("/pickups")
    assert board.status_code == 200
    page = visitor.get(f"/pickups/{pickup.id}").status_code
    assert page in (200, 404)
    on = on_board(board.text, pickup) == {pickup.id}
    assert on == (page == 200), (on, page)
    return on


def test_a_request_is_seen_by_the_workshops_serving_its_departement_only(
    client: TestClient, db: Session, settings: Settings, browser: Callable[[User], Browser]
) -> None:
    paris, _ = _coordinator(db, "75")
    lyon, _ = _coordinator(db, "69", "01")
    donor = _donor(db)
    admin = make_user(db, role=Role.ADMIN)
    auditor = make_user(db, role=Role.AUDITOR)
    pickup = book(db, donor, postcode=LYON)
    assert pickup.territory == "69"

    assert not _sees(client, settings, paris, pickup)
    assert not _sees_page(browser, paris, pickup)
    hidden = client.get(f"/api/v1/pickups/{pickup.id}", headers=auth_headers(settings, paris))
    assert hidden.json() == {
        "error": "not_found",
        "code": "not_found",
        "detail": f"no pickup {pickup.id}",
    }
    assert "jean.dupont@example.org" not in hidden.text  # the donor contact stays with Lyon

    for user in (lyon, admin, auditor, donor):
        assert _sees(client, settings, user, pickup), user.role
    assert _sees_page(browser, lyon, pickup)
    assert _sees_page(browser, donor, pickup)


def test_a_technician_of_a_workshop_elsewhere_does_not_see_it_either(
    client: TestClient, db: Session, settings: Settings
) -> None:
    paris = make_organization(db, kind=OrgKind.WORKSHOP, territories_served=["75"])
    technician = make_user(db, role=Role.TECHNICIAN, organization=paris)
    pickup = book(db, _donor(db), postcode=LYON)
    assert not _sees(client, settings, technician, pickup)
    other = make_user(
        db, role=Role.TECHNICIAN, organization=make_organization(db, territories_served=["69"])
    )
    assert _sees(client, settings, other, pickup)


def test_a_shared_departement_shows_the_request_to_both_until_one_schedules_it(
    client: TestClient, db: Session, settings: Settings, browser: Callable[[User], Browser]
) -> None:
    first, first_site = _coordinator(db, "69")
    second, _ = _coordinator(db, ServedTerritory(territory="69", priority=2), "01")
    donor = _donor(db)
    pickup = book(db, donor, postcode=LYON)
    assert _sees(client, settings, first, pickup)
    assert _sees(client, settings, second, pickup)

    schedule(db, pickup, first, first_site)
    assert _sees(client, settings, first, pickup)
    assert _sees_page(browser, first, pickup)
    assert not _sees(client, settings, second, pickup)
    assert not _sees_page(browser, second, pickup)
    assert _sees(client, settings, donor, pickup)
    assert _sees(client, settings, make_user(db, role=Role.ADMIN), pickup)

    # The emails about it (the donor contact's address) follow the pickup to its workshop.
    def outbox(user: User) -> set[str]:
        messages = client.get("/api/v1/outbox", headers=auth_headers(settings, user)).json()
        return {m["recipient"] for m in messages}

    assert outbox(first) == {"jean.dupont@example.org"}
    assert outbox(second) == set()


def test_a_cancelled_request_stays_with_its_departement_or_its_workshop(
    client: TestClient, db: Session, settings: Settings
) -> None:
    lyon, lyon_site = _coordinator(db, "69")
    also_lyon, _ = _coordinator(db, "69")
    paris, _ = _coordinator(db, "75")
    donor = _donor(db)
    pickup = book(db, donor, postcode=LYON)
    service.cancel_pickup(db, viewer=donor, pickup=pickup, reason="plus rien")
    assert _sees(client, settings, lyon, pickup)
    assert _sees(client, settings, also_lyon, pickup)
    assert not _sees(client, settings, paris, pickup)

    # Cancelled once planned: the business of the workshop that had planned it, no other's.
    planned = book(db, donor, postcode=LYON)
    schedule(db, planned, lyon, lyon_site)
    service.cancel_pickup(db, viewer=donor, pickup=planned, reason="plus rien")
    assert _sees(client, settings, lyon, planned)
    assert not _sees(client, settings, also_lyon, planned)


def test_a_workshop_serving_a_departement_schedules_there_and_another_cannot(
    client: TestClient, db: Session, settings: Settings
) -> None:
    paris, paris_site = _coordinator(db, "75")
    lyon, lyon_site = _coordinator(db, "69")
    pickup = book(db, _donor(db), postcode=LYON)
    url = f"/api/v1/pickups/{pickup.id}/schedule"
    refused = client.post(
        url,
        json={"date": "2026-12-01", "site_id": paris_site.id},
        headers=auth_headers(settings, paris),
    )
    assert refused.status_code == 404
    done = client.post(
        url,
        json={"date": "2026-12-01", "site_id": lyon_site.id},
        headers=auth_headers(settings, lyon),
    )
    assert done.status_code == 200, done.text


def test_the_donors_organisation_is_readable_by_the_workshop_receiving_its_pickup(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """A donor from elsewhere (head office in 75) is readable once its pickup is visible."""
    lyon, lyon_site = _coordinator(db, "69")
    donor = _donor(db)  # in 75011
    headers = auth_headers(settings, lyon)
    url = f"/api/v1/organizations/{donor.organization_id}"
    assert client.get(url, headers=headers).status_code == 404
    pickup = book(db, donor, postcode=LYON)
    assert client.get(url, headers=headers).status_code == 200
    schedule(db, pickup, lyon, lyon_site)
    listed = client.get("/api/v1/organizations?kind=donor", headers=headers).json()
    assert donor.organization_id in {o["id"] for o in listed}
    organization = db.get(Organization, donor.organization_id)
    assert organization is not None
    assert organization.territory == "75"
