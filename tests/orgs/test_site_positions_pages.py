"""A site added through the operator's pages is placed like one added through the API: at its
address by the geocoder (asked before the session opens), else typed coordinates, kept manual."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.orgs.models import Site
from tests.devices.pagehelpers import post, sign_in
from tests.factories.accounts import auth_headers, make_organization, make_site, make_user
from tests.geostandin import StandIn, standin

__all__ = ["standin"]

GERLAND = (45.7304, 4.8286)


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


def _site(db: Session, name: str) -> Site:
    site = db.scalar(select(Site).where(Site.name == name))
    assert site is not None
    return site


def test_a_site_added_on_the_page_is_geocoded_and_typed_coordinates_win(
    client: TestClient, db: Session, standin: StandIn
) -> None:
    standin.places["12 rue du Vercors"] = GERLAND
    token = sign_in(client, make_user(db, role=Role.ADMIN))
    workshop = make_organization(db, postcode="69003")
    fields = {"address": "12 rue du Vercors", "postcode": "69007", "city": "Lyon"}
    found = post(client, f"/admin/organizations/{workshop.id}/sites/new", token, name="A", **fields)
    assert found.status_code == 303, found.text
    site = _site(db, "A")
    assert (site.latitude, site.longitude, site.position_source) == (*GERLAND, "address")

    asked = len(standin.requests)
    typed = post(
        client,
        f"/admin/organizations/{workshop.id}/sites/new",
        token,
        name="B",
        latitude="45,75",
        longitude="4,85",
        **fields,
    )
    assert typed.status_code == 303, typed.text
    assert len(standin.requests) == asked  # typed coordinates: the geocoder is not asked
    site = _site(db, "B")
    assert (site.latitude, site.longitude, site.position_source) == (45.75, 4.85, "manual")


def test_a_position_changed_on_the_page_is_manual_and_cleared_goes_to_the_address(
    client: TestClient, db: Session, standin: StandIn
) -> None:
    standin.places["12 rue du Vercors"] = GERLAND
    token = sign_in(client, make_user(db, role=Role.ADMIN))
    workshop = make_organization(db, postcode="69003")
    fields = {"address": "12 rue du Vercors", "postcode": "69007", "city": "Lyon"}
    post(client, f"/admin/organizations/{workshop.id}/sites/new", token, name="C", **fields)
    site = _site(db, "C")
    kept = post(
        client,
        f"/admin/sites/{site.id}",
        token,
        name="C",
        latitude=str(GERLAND[0]),
        longitude=str(GERLAND[1]),
        **fields,
    )
    assert kept.status_code == 303, kept.text
    db.refresh(site)
    assert site.position_source == "address"  # the same position: still the geocoder's
    moved = post(
        client,
        f"/admin/sites/{site.id}",
        token,
        name="C",
        latitude="45.8",
        longitude="4.9",
        **fields,
    )
    assert moved.status_code == 303, moved.text
    db.refresh(site)
    assert (site.latitude, site.position_source, site.position_label) == (45.8, "manual", "")
    cleared = post(
        client, f"/admin/sites/{site.id}", token, name="C", latitude="", longitude="", **fields
    )
    assert cleared.status_code == 303, cleared.text
    db.refresh(site)
    assert (site.latitude, site.longitude, site.position_source) == (*GERLAND, "address")


def test_the_api_places_a_site_whose_address_changes(
    client: TestClient, db: Session, settings: Settings, standin: StandIn
) -> None:
    standin.places["12 rue du Vercors"] = GERLAND
    admin = make_user(db, role=Role.ADMIN)
    headers = auth_headers(settings, admin)
    site = make_site(db, organization=make_organization(db, postcode="69003"))
    renamed = client.patch(f"/api/v1/sites/{site.id}", json={"name": "Gerland"}, headers=headers)
    assert renamed.status_code == 200, renamed.text
    assert standin.requests == []  # no new address: nothing asked
    moved = client.patch(
        f"/api/v1/sites/{site.id}",
        json={"address": "12 rue du Vercors", "postcode": "69007", "city": "Lyon"},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["latitude"], body["longitude"], body["position_source"]) == (*GERLAND, "address")
    typed = client.patch(
        f"/api/v1/sites/{site.id}",
        json={"address": "1 rue Neuve", "postcode": "69002", "latitude": 45.76, "longitude": 4.83},
        headers=headers,
    )
    assert typed.json()["position_source"] == "manual"
    assert len(standin.requests) == 1  # coordinates given: the geocoder is not asked
