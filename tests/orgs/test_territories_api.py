"""The départements a workshop serves: declared on creation, changed by PATCH, and what they let
its staff read of the network's organisations."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.orgs.models import OrgKind
from collecte.orgs.schemas import ServedTerritory
from collecte.orgs.service import serving_workshops
from tests.factories.accounts import auth_headers, make_organization, make_site, make_user
from tests.factories.devices import Workshop

WORKSHOP = {"name": "Atelier du Rhône", "kind": "workshop", "postcode": "69007", "city": "Lyon"}


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, role=Role.ADMIN)


def _create(client: TestClient, settings: Settings, admin: User, **body: Any) -> Any:
    return client.post(
        "/api/v1/organizations", json={**WORKSHOP, **body}, headers=auth_headers(settings, admin)
    )


def test_a_workshop_declares_its_departements_with_priorities(
    client: TestClient, settings: Settings, admin: User
) -> None:
    response = _create(
        client,
        settings,
        admin,
        territories_served=["69", {"territory": "2a", "priority": 3}, {"territory": "01"}, "974"],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["territories_served"] == ["01", "69", "974", "2A"]
    assert body["territory_priorities"] == {"01": 1, "69": 1, "974": 1, "2A": 3}
    fetched = client.get(
        f"/api/v1/organizations/{body['id']}", headers=auth_headers(settings, admin)
    ).json()
    assert fetched["territories_served"] == ["01", "69", "974", "2A"]


def test_a_workshop_that_names_none_serves_its_own_departement(
    client: TestClient, db: Session, settings: Settings, admin: User
) -> None:
    nothing: list[dict[str, Any]] = [{}, {"territories_served": None}, {"territories_served": []}]
    for given in nothing:
        body = _create(client, settings, admin, **given).json()
        assert (body["territories_served"], body["territory_priorities"]) == (["69"], {"69": 1})
    made = make_organization(db, kind=OrgKind.WORKSHOP, postcode="20200")
    assert made.territories_served == ["2B"]


def test_only_a_workshop_serves_territories(
    client: TestClient, settings: Settings, admin: User
) -> None:
    donor = _create(client, settings, admin, kind="donor", territories_served=["69"])
    assert donor.status_code == 422
    assert donor.json()["error"] == "invalid_input"
    plain = _create(client, settings, admin, kind="partner").json()
    assert (plain["territories_served"], plain["territory_priorities"]) == ([], {})


@pytest.mark.parametrize(
    "served",
    [
        ["20"],
        ["00"],
        ["96"],
        ["979"],
        ["2C"],
        [69],
        ["75", "75"],
        ["69", {"territory": "69", "priority": 2}],
        [{"territory": "69", "priority": 0}],
        [{"priority": 1}],
        "69",
    ],
)
def test_bad_territories_are_422_and_write_nothing(
    client: TestClient, settings: Settings, admin: User, served: Any
) -> None:
    headers = auth_headers(settings, admin)
    before = len(client.get("/api/v1/organizations", headers=headers).json())
    response = _create(client, settings, admin, territories_served=served)
    assert response.status_code == 422, response.text
    assert "territor" in response.text or "département" in response.text
    assert len(client.get("/api/v1/organizations", headers=headers).json()) == before


def test_patch_changes_the_details_and_replaces_the_territories(
    client: TestClient, settings: Settings, admin: User
) -> None:
    created = _create(client, settings, admin, territories_served=["69", "01"]).json()
    url = f"/api/v1/organizations/{created['id']}"
    headers = auth_headers(settings, admin)
    changed = client.patch(
        url,
        json={
            "name": " Atelier Rhône-Alpes ",
            "siret": "55208131700018",
            "territories_served": [{"territory": "38", "priority": 2}, "69"],
        },
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["siret"], body["city"]) == (
        "Atelier Rhône-Alpes",
        "55208131700018",
        "Lyon",
    )
    assert body["territories_served"] == ["69", "38"]
    assert body["territory_priorities"] == {"69": 1, "38": 2}
    # A département kept in the new list changes rank only; one left out is no longer served.
    again = client.patch(
        url,
        json={"territories_served": [{"territory": "69", "priority": 2}, "38"]},
        headers=headers,
    )
    assert again.json()["territory_priorities"] == {"38": 1, "69": 2}
    moved = client.patch(
        url, json={"postcode": "38000", "city": "Grenoble", "siret": None}, headers=headers
    ).json()
    assert (moved["territory"], moved["city"], moved["siret"]) == ("38", "Grenoble", None)
    assert moved["territories_served"] == ["38", "69"]  # kept: only territories_served changes them
    assert client.get(url, headers=headers).json() == moved


@pytest.mark.parametrize(
    "change",
    [
        {"name": None},
        {"postcode": None},
        {"city": None},
        {"address": None},
        {"territories_served": None},
        {"name": ""},
        {"postcode": "00000"},
        {"territories_served": ["20"]},
        {"kind": "donor"},
    ],
)
def test_patch_refuses_nulls_and_bad_values_with_422(
    client: TestClient, settings: Settings, admin: User, change: dict[str, Any]
) -> None:
    created = _create(client, settings, admin).json()
    url = f"/api/v1/organizations/{created['id']}"
    headers = auth_headers(settings, admin)
    response = client.patch(url, json=change, headers=headers)
    assert response.status_code == 422, response.text
    assert client.get(url, headers=headers).json() == created


def test_patch_territories_on_a_donor_is_422(
    client: TestClient, db: Session, settings: Settings, admin: User
) -> None:
    donor = make_organization(db, kind=OrgKind.DONOR)
    response = client.patch(
        f"/api/v1/organizations/{donor.id}",
        json={"territories_served": ["75"]},
        headers=auth_headers(settings, admin),
    )
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"


def test_patch_is_for_the_operator_only_and_names_an_existing_organisation(
    client: TestClient, db: Session, settings: Settings, admin: User
) -> None:
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    url = f"/api/v1/organizations/{workshop.id}"
    for role in (Role.COORDINATOR, Role.TECHNICIAN, Role.DONOR, Role.PARTNER, Role.AUDITOR):
        user = make_user(
            db,
            role=role,
            organization=workshop if role in (Role.COORDINATOR, Role.TECHNICIAN) else None,
        )
        response = client.patch(
            url, json={"territories_served": ["69"]}, headers=auth_headers(settings, user)
        )
        assert response.status_code == 403, role
    missing = client.patch(
        "/api/v1/organizations/2147483647",
        json={"name": "X"},
        headers=auth_headers(settings, admin),
    )
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert client.get(url, headers=auth_headers(settings, admin)).json()["territories_served"] == [
        "75"
    ]


def test_serving_workshops_ranks_by_priority(db: Session) -> None:
    second = make_organization(
        db, name="B second", territories_served=[ServedTerritory(territory="69", priority=2)]
    )
    first = make_organization(db, name="Z first", territories_served=["69", "01"])
    make_organization(db, name="A elsewhere", territories_served=["75"])
    make_organization(db, kind=OrgKind.DONOR, postcode="69003")
    assert serving_workshops(db, "69") == [first, second]
    assert serving_workshops(db, "01") == [first]
    assert serving_workshops(db, "2A") == []


def test_workshop_staff_read_the_organisations_of_the_departements_they_serve(
    client: TestClient, db: Session, settings: Settings
) -> None:
    paris = make_organization(db, kind=OrgKind.WORKSHOP, territories_served=["75", "92"])
    lyon_workshop = make_organization(db, kind=OrgKind.WORKSHOP, postcode="69007")
    local_donor = make_organization(db, kind=OrgKind.DONOR, postcode="92400")
    local_partner = make_organization(db, kind=OrgKind.PARTNER, postcode="75019")
    lyon_donor = make_organization(db, kind=OrgKind.DONOR, postcode="69003")
    lyon_partner = make_organization(db, kind=OrgKind.PARTNER, postcode="69003")
    coordinator = make_user(db, role=Role.COORDINATOR, organization=paris)
    headers = auth_headers(settings, coordinator)

    listed = {o["id"] for o in client.get("/api/v1/organizations", headers=headers).json()}
    assert {paris.id, local_donor.id, local_partner.id} <= listed
    assert not {lyon_workshop.id, lyon_donor.id, lyon_partner.id} & listed
    for hidden in (lyon_donor, lyon_partner, lyon_workshop):
        assert client.get(f"/api/v1/organizations/{hidden.id}", headers=headers).status_code == 404
    lyon_staff = make_user(db, role=Role.TECHNICIAN, organization=lyon_workshop)
    theirs = client.get("/api/v1/organizations", headers=auth_headers(settings, lyon_staff)).json()
    assert {o["id"] for o in theirs} >= {lyon_workshop.id, lyon_donor.id, lyon_partner.id}
    assert not {paris.id, local_donor.id, local_partner.id} & {o["id"] for o in theirs}
    admin = make_user(db, role=Role.ADMIN)
    everyone = {
        o["id"]
        for o in client.get("/api/v1/organizations", headers=auth_headers(settings, admin)).json()
    }
    assert {paris.id, lyon_workshop.id, lyon_donor.id, lyon_partner.id} <= everyone


def test_workshop_staff_read_the_donors_of_the_devices_they_hold(
    client: TestClient, db: Session, settings: Settings
) -> None:
    workshop = Workshop(db)  # Île-de-France
    far_donor = make_organization(db, kind=OrgKind.DONOR, postcode="69003")
    headers = auth_headers(settings, workshop.technician)
    url = f"/api/v1/organizations/{far_donor.id}"
    assert client.get(url, headers=headers).status_code == 404
    workshop.receive(donor_id=far_donor.id)
    assert client.get(url, headers=headers).status_code == 200
    # Another workshop's staff still do not: the device is not theirs.
    rival = make_organization(db, kind=OrgKind.WORKSHOP, territories_served=["75"])
    make_site(db, organization=rival)
    rival_staff = make_user(db, role=Role.TECHNICIAN, organization=rival)
    assert client.get(url, headers=auth_headers(settings, rival_staff)).status_code == 404
