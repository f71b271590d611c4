"""The device pages: the list with its filters, and the intake form."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.core import listing
from collecte.devices.checklists import Category
from collecte.devices.codes import format_code
from collecte.devices.models import Device
from tests.devices.pagehelpers import (
    HTML,
    device_count,
    post,
    sign_in,
)
from tests.factories.accounts import make_organization, make_site, make_user
from tests.factories.devices import Workshop

# --- list ----------------------------------------------------------------------------------------


def test_list_filters_and_search(client: TestClient, workshop: Workshop, token: str) -> None:
    laptop = workshop.receive(serial="LAP-001")
    phone = workshop.receive(
        category=Category.SMARTPHONE, serial="PH-002", brand="Samsung", model="Galaxy A52"
    )
    ready = workshop.receive(serial="LAP-003")
    workshop.make_available(ready)

    def listed(query: str) -> set[str]:
        page = client.get(f"/devices{query}", headers=HTML)
        assert page.status_code == 200
        return {c for c in (laptop.code, phone.code, ready.code) if f"/devices/{c}" in page.text}

    assert listed("") == {laptop.code, phone.code, ready.code}
    assert listed("?status=available") == {ready.code}
    assert listed("?category=smartphone") == {phone.code}
    assert listed("?q=galaxy") == {phone.code}
    assert listed("?q=LAP-00") == {laptop.code, ready.code}
    assert listed(f"?site_id={workshop.site.id}&status=received") == {laptop.code, phone.code}
    page = client.get("/devices?status=available", headers=HTML)
    assert 'class="badge status status-available"' in page.text
    assert format_code(ready.code) in page.text

    scanned = client.get(
        f"/devices?q={format_code(phone.code)}", headers=HTML, follow_redirects=False
    )
    assert scanned.status_code == 303
    assert scanned.headers["location"] == f"/devices/{phone.code}"


def test_list_shows_fifty_devices_a_page(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    received = [workshop.receive(serial=f"BULK-{n:03}") for n in range(51)]
    first = client.get("/devices", headers=HTML).text
    assert first.count('<a class="code" href="/devices/') == 50
    assert 'rel="prev"' not in first
    # The next page starts after the last device shown (the 50th newest: the second received).
    next_url = f"/devices?after={received[1].code}"
    assert f'href="{next_url}" rel="next"' in first
    second = client.get(next_url, headers=HTML).text
    assert second.count('<a class="code" href="/devices/') == 1
    assert "BULK-000" in second  # newest first: the first one received is on the last page
    assert 'rel="next"' not in second
    # And back: the page before ends before the first device shown.
    back = f"/devices?before={received[0].code}"
    assert f'href="{back}" rel="prev"' in second
    assert client.get(back, headers=HTML).text.count('<a class="code" href="/devices/') == 50
    # A cursor that names no device (or one the user may not see) shows the first page.
    assert "BULK-050" in client.get("/devices?after=NOTACODE", headers=HTML).text


def test_the_list_counts_up_to_a_cap(
    client: TestClient, workshop: Workshop, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        workshop.receive(serial=f"CAP-{n}")
    assert "<strong>3</strong>" in client.get("/devices", headers=HTML).text
    monkeypatch.setattr(listing, "TOTAL_CAP", 2)
    assert "<strong>plus de 2</strong>" in client.get("/devices", headers=HTML).text


# --- intake --------------------------------------------------------------------------------------


def test_intake_form_creates_a_device_and_redirects(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    form = client.get("/devices/new", headers=HTML)
    assert form.status_code == 200
    assert workshop.site.name in form.text
    assert workshop.donor.name in form.text
    response = post(
        client,
        "/devices/new",
        token,
        category="laptop",
        brand="Dell",
        model="Latitude 5490",
        serial="DL-5490-XYZ",
        has_storage="yes",
        weight_kg="1,7",
        ram_gb="8",
        storage_gb="256",
        cpu="Intel Core i5",
        screen_in="14",
        site_id=str(workshop.site.id),
        donor_id=str(workshop.donor.id),
    )
    assert response.status_code == 303
    device = db.scalar(select(Device).where(Device.serial == "DL-5490-XYZ"))
    assert device is not None
    assert response.headers["location"] == f"/devices/{device.code}?done=intake"
    assert (device.brand, device.weight_kg, device.ram_gb, device.screen_in) == ("Dell", 1.7, 8, 14)
    assert device.donor_id == workshop.donor.id
    page = client.get(response.headers["location"], headers=HTML)
    assert format_code(device.code) in page.text
    assert "Imprimer l'étiquette" in page.text
    assert f'action="/devices/{device.code}/label"' in page.text


def test_intake_receive_and_next_keeps_category_site_and_donor(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    response = post(
        client,
        "/devices/new",
        token,
        category="tablet",
        brand="Apple",
        model="iPad 6",
        has_storage="yes",
        site_id=str(workshop.site.id),
        donor_id=str(workshop.donor.id),
        then="next",
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/devices/new?")
    page = client.get(location, headers=HTML).text
    code = db.scalar(select(Device.code).where(Device.model == "iPad 6"))
    assert code is not None
    assert format_code(code) in page
    assert '<option value="tablet" selected>' in page
    assert f'<option value="{workshop.donor.id}" selected>' in page


def test_intake_form_error_keeps_the_input(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    before = device_count(db)
    response = post(
        client,
        "/devices/new",
        token,
        category="laptop",
        brand="",
        model="ThinkPad X1 Carbon",
        serial="KEEP-ME-42",
        has_storage="yes",
        weight_kg="heavy",
        site_id=str(workshop.site.id),
    )
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in response.text
    assert "Saisissez un nombre." in response.text
    assert 'value="ThinkPad X1 Carbon"' in response.text
    assert 'value="KEEP-ME-42"' in response.text
    assert 'value="heavy"' in response.text
    assert device_count(db) == before

    other = make_site(workshop.db, organization=make_organization(workshop.db))
    refused = post(
        client,
        "/devices/new",
        token,
        category="monitor",
        brand="Dell",
        model="P2419H",
        has_storage="no",
        site_id=str(other.id),
    )
    assert refused.status_code == 422
    assert "n&#39;est pas l&#39;un des sites de votre atelier" in refused.text
    assert 'value="P2419H"' in refused.text
    assert device_count(db) == before


def test_intake_is_workshop_work(client: TestClient, db: Session, workshop: Workshop) -> None:
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    sign_in(client, donor)
    assert client.get("/devices/new", headers=HTML).status_code == 403
    assert client.get("/devices/import", headers=HTML).status_code == 403
