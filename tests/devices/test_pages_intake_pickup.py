"""The intake form receives devices from a pickup under way: they take its donor and reconcile."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.devices.models import Device
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.pickups.models import Pickup, PickupStatus
from tests.devices.pagehelpers import HTML, post, sign_in
from tests.factories.accounts import make_organization, make_site, make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import book, collect, schedule


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def _pickup_choices(html: str) -> str:
    """The pickup select of the intake form."""
    match = re.search(r'<select name="pickup_id".*?</select>', html, re.S)
    assert match, "the intake form has no pickup choice"
    return match.group(0)


def _pickup(db: Session, *, donor: Organization, site_id: int, status: PickupStatus) -> Pickup:
    """A pickup taken to ``status`` through the services (its status has no other writer)."""
    site = db.get_one(Site, site_id)
    admin = make_user(db, role=Role.ADMIN)
    pickup = book(db, admin, postcode="75002", donor_id=donor.id)
    if status is not PickupStatus.REQUESTED:
        coordinator = make_user(
            db, role=Role.COORDINATOR, organization=db.get_one(Organization, site.organization_id)
        )
        schedule(db, pickup, coordinator, site)
    if status is PickupStatus.COLLECTED:
        collect(db, pickup, admin)
    return pickup


def test_intake_from_a_pickup_takes_its_donor_and_keeps_it_for_the_next(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    token = sign_in(client, workshop.technician)
    ours = _pickup(
        db, donor=workshop.donor, site_id=workshop.site.id, status=PickupStatus.SCHEDULED
    )
    elsewhere = Workshop(db)
    theirs = _pickup(
        db, donor=elsewhere.donor, site_id=elsewhere.site.id, status=PickupStatus.COLLECTED
    )
    form = _pickup_choices(client.get(f"/devices/new?pickup_id={ours.id}", headers=HTML).text)
    assert f'<option value="{ours.id}" selected>' in form
    assert f'<option value="{theirs.id}"' not in form  # another workshop's round
    response = post(
        client,
        "/devices/new",
        token,
        category="laptop",
        brand="HP",
        model="EliteBook 840",
        serial="HP-840-1",
        has_storage="yes",
        site_id=str(workshop.site.id),
        pickup_id=str(ours.id),
        then="next",
    )
    assert response.status_code == 303
    assert f"pickup_id={ours.id}" in response.headers["location"]
    device = db.scalar(select(Device).where(Device.serial == "HP-840-1"))
    assert device is not None
    assert (device.pickup_id, device.donor_id) == (ours.id, workshop.donor.id)


def test_intake_refuses_a_pickup_not_under_way_and_writes_nothing(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    token = sign_in(client, workshop.technician)
    requested = _pickup(
        db, donor=workshop.donor, site_id=workshop.site.id, status=PickupStatus.REQUESTED
    )
    form = _pickup_choices(client.get("/devices/new", headers=HTML).text)
    assert f'<option value="{requested.id}"' not in form
    other_donor = make_organization(db, kind=OrgKind.DONOR)
    scheduled = _pickup(
        db, donor=workshop.donor, site_id=workshop.site.id, status=PickupStatus.SCHEDULED
    )
    for pickup_id, donor_id in ((requested.id, ""), (scheduled.id, str(other_donor.id))):
        response = post(
            client,
            "/devices/new",
            token,
            category="laptop",
            brand="HP",
            model="EliteBook 840",
            serial=f"REFUSED-{pickup_id}",
            has_storage="yes",
            site_id=str(workshop.site.id),
            pickup_id=str(pickup_id),
            donor_id=donor_id,
        )
        assert response.status_code == 409, response.text
        assert "pickup" in response.text.lower() or "collecte" in response.text.lower()
    assert db.scalar(select(Device).where(Device.serial.like("REFUSED-%"))) is None
    # a second site of ours is fine for a pickup scheduled at the first
    second = make_site(db, organization=workshop.organization)
    ok = post(
        client,
        "/devices/new",
        token,
        category="monitor",
        brand="Dell",
        model="P2419H",
        has_storage="no",
        site_id=str(second.id),
        pickup_id=str(scheduled.id),
    )
    assert ok.status_code == 303
