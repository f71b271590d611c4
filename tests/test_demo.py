"""The demo tells one story: the demo donor's devices came with its collected pickup, so the
pickup, the donor's space and each device's page agree (issue 12: "devices received 0" on the
pickup against 6 on the donor's home)."""

from __future__ import annotations

import re
from collections import Counter

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.demo import DemoLogin, load_demo
from collecte.devices.models import Device
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.service import reconciliation
from tests.devices.pagehelpers import HTML, csrf_of


def _signed_in(app: FastAPI, login: DemoLogin) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    token = csrf_of(client.get("/login", headers=HTML).text)
    response = client.post(
        "/login",
        data={"email": login.email, "password": login.password, "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client


def _login(logins: list[DemoLogin], role: Role) -> DemoLogin:
    return next(login for login in logins if login.role is role)


def test_the_demo_donors_devices_came_with_its_collected_pickup(db: Session, app: FastAPI) -> None:
    logins = load_demo(db)
    pickup = db.scalars(select(Pickup).where(Pickup.status == PickupStatus.COLLECTED)).one()
    devices = list(db.scalars(select(Device).where(Device.pickup_id == pickup.id)))
    donors_devices = list(db.scalars(select(Device).where(Device.donor_id == pickup.donor_id)))
    assert len(devices) >= 6
    assert {d.id for d in devices} == {d.id for d in donors_devices}
    # What was collected is what was received, serial for serial.
    assert pickup.collected_counts == dict(Counter(d.category.value for d in devices))
    report = reconciliation(db, pickup=pickup)
    assert (report["missing_serials"], report["unexpected_serials"]) == ([], [])

    coordinator = _signed_in(app, _login(logins, Role.COORDINATOR))
    page = coordinator.get(f"/pickups/{pickup.id}", headers=HTML).text
    received = re.search(r"<dt>[^<]*</dt><dd>(\d+)</dd>\s*</dl>\s*</section>", page)
    assert received, "the collection card shows no count of devices received"
    assert int(received.group(1)) == len(devices)
    donor = _signed_in(app, _login(logins, Role.DONOR))
    home = donor.get("/", headers=HTML).text
    total = re.search(r'<h2>[^<]*<span class="count">\((\d+)\)</span></h2>', home)
    assert total
    assert int(total.group(1)) == len(devices)


def test_the_device_page_names_its_pickup_to_those_who_may_read_it(
    db: Session, app: FastAPI
) -> None:
    logins = load_demo(db)
    pickup = db.scalars(select(Pickup).where(Pickup.status == PickupStatus.COLLECTED)).one()
    # A device of the pickup that went to a partner: each of them may read its page.
    handed = db.scalars(
        select(Device).where(Device.pickup_id == pickup.id, Device.status == "handed_over")
    ).first()
    assert handed is not None
    link = f'<a href="/pickups/{pickup.id}">'
    for role in (Role.TECHNICIAN, Role.COORDINATOR, Role.DONOR, Role.ADMIN):
        page = _signed_in(app, _login(logins, role)).get(f"/devices/{handed.code}", headers=HTML)
        assert page.status_code == 200, role
        assert link in page.text, role
    # The partner it went to reads the device, not the donor's pickup: unnamed, no link.
    readers = 0
    for login in (login for login in logins if login.role is Role.PARTNER):
        partner = _signed_in(app, login)
        assert partner.get(f"/pickups/{pickup.id}", headers=HTML).status_code == 404
        page = partner.get(f"/devices/{handed.code}", headers=HTML)
        if page.status_code == 404:
            continue  # the other partner
        readers += 1
        assert 'id="device-pickup"' in page.text
        assert link not in page.text
        assert f"/pickups/{pickup.id}" not in page.text
    assert readers == 1

    # A device brought in without a pickup says nothing of one.
    loose = db.scalars(select(Device).where(Device.pickup_id.is_(None))).first()
    assert loose is not None
    page = _signed_in(app, _login(logins, Role.TECHNICIAN)).get(
        f"/devices/{loose.code}", headers=HTML
    )
    assert 'id="device-pickup"' not in page.text
