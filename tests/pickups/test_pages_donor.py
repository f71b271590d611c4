"""Pickup pages: the donor space, and who may see which pickup."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.orgs.models import OrgKind
from collecte.pickups.models import Pickup, PickupStatus
from tests.factories.accounts import make_organization, make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import Browser, book, collect, on_board, schedule, status_of

# --- the donor space -----------------------------------------------------------------------------


def test_donor_space_shows_its_pickups_devices_documents_and_impact(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    from collecte.devices.lifecycle import DeviceStatus
    from collecte.devices.service import transition_device

    pickup = book(db, donor_user)
    schedule(db, pickup, coordinator, workshop.site)
    collect(db, pickup, coordinator)
    kept = workshop.receive(serial="MINE-1", pickup_id=pickup.id, donor_id=None)
    gone = workshop.receive(serial="MINE-2", pickup_id=pickup.id, donor_id=None)
    transition_device(db, device=gone, actor=workshop.technician, to=DeviceStatus.RECYCLED)
    other_org = make_organization(db, kind=OrgKind.DONOR, name="Autre Donateur SA")
    other_user = make_user(db, role=Role.DONOR, organization=other_org)
    theirs = book(db, other_user, postcode="69003")
    workshop.receive(serial="THEIRS-1", donor_id=other_org.id)

    donor = browser(donor_user)
    donor.get(f"/pickups/{pickup.id}/collection-proof.pdf")  # issues a document
    home = donor.get("/").text
    assert f'id="donor-pickup-{pickup.id}"' in home
    assert f'id="donor-pickup-{theirs.id}"' not in home
    assert f'id="donor-documents-{pickup.id}"' in home
    assert f'href="/pickups/{pickup.id}/collection-proof.pdf"' in home
    assert f'href="/pickups/{pickup.id}/receipt"' in home
    assert 'id="issued-documents"' in home
    impact = home.split('id="donor-impact"')[1].split("</section>")[0]
    assert (
        '<li class="outcome-recycled" data-outcome="recycled"><span class="figure">1</span>'
        in impact
    )
    assert (
        '<li class="outcome-in_workshop" data-outcome="in_workshop"><span class="figure">1</span>'
        in impact
    )
    devices = home.split('id="donor-devices"')[1].split("</section>")[0]
    assert "(2)" in devices
    assert 'href="/devices?status=recycled"' in devices
    listed = donor.get("/devices").text
    assert f"/devices/{kept.code}" in listed
    assert "THEIRS-1" not in listed

    other_home = browser(other_user).get("/").text
    assert f'id="donor-pickup-{pickup.id}"' not in other_home
    assert f'id="donor-documents-{pickup.id}"' not in other_home
    assert 'id="issued-documents"' not in other_home
    assert "MINE-1" not in other_home


# --- scoping --------------------------------------------------------------------------------------


def _pickup_urls(pickup: Pickup) -> list[str]:
    base = f"/pickups/{pickup.id}"
    return [
        base,
        f"{base}/edit",
        f"{base}/reconciliation",
        f"{base}/receipt",
        f"{base}/collection-proof.pdf",
        f"{base}/erasure-certificate.pdf",
    ]


def test_nobody_sees_another_donors_pickup(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = book(db, donor_user, declared_serials=["SECRET-SN"])
    schedule(db, pickup, coordinator, workshop.site)
    collect(db, pickup, coordinator)
    device = workshop.receive(serial="SECRET-SN", pickup_id=pickup.id, donor_id=None)
    workshop.wipe(device)
    # The donor itself reads every page and document.
    owner = browser(donor_user)
    for url in _pickup_urls(pickup):
        assert owner.get(url).status_code == 200, url

    other_donor = make_user(db, role=Role.DONOR)
    partner = make_user(db, role=Role.PARTNER)
    rival = Workshop(db)
    rival_coordinator = make_user(db, role=Role.COORDINATOR, organization=rival.organization)
    for user in (other_donor, partner, rival_coordinator, rival.technician):
        visitor = browser(user)
        for url in _pickup_urls(pickup):
            response = visitor.get(url)
            assert response.status_code == 404, (user.role, url)
            assert "SECRET-SN" not in response.text
        for action in ("cancel", "schedule", "collect", "inventory", "edit"):
            assert visitor.post(f"/pickups/{pickup.id}/{action}", {}).status_code == 404
        board = visitor.get("/pickups")
        if user.role is Role.PARTNER:
            assert board.status_code == 403
        else:
            assert on_board(board.text, pickup) == set()
        assert "SECRET-SN" not in visitor.get("/").text
    assert status_of(db, pickup) is PickupStatus.COLLECTED


def test_a_request_waits_for_any_workshop_until_it_is_scheduled(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = book(db, donor_user)
    rival = Workshop(db)
    rival_coordinator = browser(
        make_user(db, role=Role.COORDINATOR, organization=rival.organization)
    )
    assert rival_coordinator.get(f"/pickups/{pickup.id}").status_code == 200
    assert on_board(rival_coordinator.get("/pickups").text, pickup) == {pickup.id}
    # Once scheduled at the first workshop's site, it is gone from the rival's board and pages.
    schedule(db, pickup, coordinator, workshop.site)
    assert rival_coordinator.get(f"/pickups/{pickup.id}").status_code == 404
    assert on_board(rival_coordinator.get("/pickups").text, pickup) == set()
    assert on_board(browser(coordinator).get("/pickups").text, pickup) == {pickup.id}
