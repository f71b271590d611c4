"""The operator's organisation and site pages: the list (search, kind, pages), creation and edit
round trips, the logo, the site forms, and the refusal of everyone else."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.orgs.models import Organization, OrgKind, Site
from tests.devices.pagehelpers import HTML, post, sign_in
from tests.factories.accounts import make_organization, make_site, make_user
from tests.orgs.images import image_bytes

NEW_WORKSHOP = {
    "kind": "workshop",
    "name": "Atelier des Alpes",
    "legal_name": "Atelier des Alpes SCIC",
    "siret": "732 829 320 00074",
    "address": "3 rue Lesdiguières",
    "postcode": "38000",
    "city": "Grenoble",
    "territories_served": "38, 73:2, 74:2",
    "impact_public": "yes",
}


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, role=Role.ADMIN)


@pytest.fixture
def token(client: TestClient, admin: User) -> str:
    return sign_in(client, admin)


def _names(html: str) -> list[str]:
    table = html.split('id="organizations"', 1)[-1]
    return re.findall(r'<a href="/admin/organizations/\d+">([^<]+)</a>', table)


def test_the_list_finds_by_name_city_postcode_and_siret_and_filters_by_kind(
    client: TestClient, db: Session, token: str
) -> None:
    make_organization(db, kind=OrgKind.DONOR, name="Banque Alpine", postcode="38000")
    partner = make_organization(db, kind=OrgKind.PARTNER, name="Centre social Nord")
    partner.siret = "73282932000074"
    db.flush()
    by_name = client.get("/admin/organizations?q=alpine", headers=HTML).text
    assert _names(by_name) == ["Banque Alpine"]
    by_postcode = client.get("/admin/organizations?q=38000", headers=HTML).text
    assert "Banque Alpine" in _names(by_postcode)
    assert "Centre social Nord" not in _names(by_postcode)
    by_siret = client.get("/admin/organizations?q=732+829+320", headers=HTML).text
    assert _names(by_siret) == ["Centre social Nord"]
    partners = client.get("/admin/organizations?kind=partner", headers=HTML).text
    assert "Centre social Nord" in _names(partners)
    assert "Banque Alpine" not in _names(partners)


def test_the_list_has_pages_of_fifty(client: TestClient, db: Session, token: str) -> None:
    for n in range(55):
        make_organization(db, kind=OrgKind.DONOR, name=f"Donateur paginé {n:02d}")
    first = client.get("/admin/organizations?q=pagin", headers=HTML).text
    assert len(_names(first)) == 50
    assert 'rel="next"' in first
    assert '<strong id="found-count">55</strong>' in first
    second = client.get("/admin/organizations?q=pagin&page=2", headers=HTML).text
    assert _names(second) == [f"Donateur paginé {n}" for n in range(50, 55)]
    assert 'rel="prev"' in second


def test_a_workshop_is_created_then_edited_through_the_pages(
    client: TestClient, db: Session, token: str
) -> None:
    created = post(client, "/admin/organizations/new", token, **NEW_WORKSHOP)
    assert created.status_code == 303, created.text
    url = created.headers["location"].split("?")[0]
    page = client.get(url, headers=HTML).text
    assert 'value="38, 73:2, 74:2"' in page
    organization = db.scalar(select(Organization).where(Organization.name == "Atelier des Alpes"))
    assert organization is not None
    assert (organization.legal_name, organization.siret, organization.impact_public) == (
        "Atelier des Alpes SCIC",
        "73282932000074",
        True,
    )
    assert organization.territory_priorities == {"38": 1, "73": 2, "74": 2}
    edited = {
        **NEW_WORKSHOP,
        "legal_name": "",
        "siret": "",
        "territories_served": "38",
        "impact_public": "",
        "city": "Grenoble Cedex",
    }
    del edited["kind"]
    refused = post(client, url, token, **{**edited, "territories_served": "38, 38:2"})
    assert refused.status_code == 422
    assert 'id="e-territories_served"' in refused.text
    assert 'value="38, 38:2"' in refused.text  # what was typed, to correct
    saved = post(client, url, token, **edited)
    assert saved.status_code == 303, saved.text
    db.expire(organization)
    db.refresh(organization, ["territories"])
    assert (organization.legal_name, organization.siret, organization.impact_public) == (
        None,
        None,
        False,
    )
    assert (organization.city, organization.territories_served) == ("Grenoble Cedex", ["38"])
    assert organization.kind is OrgKind.WORKSHOP


def test_a_wrong_siret_is_shown_beside_its_field_and_nothing_is_saved(
    client: TestClient, db: Session, token: str
) -> None:
    refused = post(
        client, "/admin/organizations/new", token, **{**NEW_WORKSHOP, "siret": "73282932000075"}
    )
    assert refused.status_code == 422
    assert 'id="e-siret"' in refused.text
    assert "Luhn" in refused.text
    assert 'value="Atelier des Alpes"' in refused.text  # what was typed stays
    bad_served = post(
        client, "/admin/organizations/new", token, **{**NEW_WORKSHOP, "territories_served": "38 99"}
    )
    assert bad_served.status_code == 422
    assert 'id="e-territories_served"' in bad_served.text
    assert db.scalar(select(Organization).where(Organization.name == "Atelier des Alpes")) is None


def test_a_logo_is_uploaded_shown_and_removed(client: TestClient, db: Session, token: str) -> None:
    workshop = make_organization(db)
    url = f"/admin/organizations/{workshop.id}"
    png = image_bytes()
    uploaded = client.post(
        f"{url}/logo",
        data={"csrf_token": token},
        files={"logo": ("logo.png", png, "image/png")},
        headers=HTML,
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    assert f'src="{url}/logo"' in client.get(url, headers=HTML).text
    served = client.get(f"{url}/logo")
    assert (served.headers["content-type"], served.content) == ("image/png", png)
    not_image = client.post(
        f"{url}/logo",
        data={"csrf_token": token},
        files={"logo": ("logo.png", b"<svg></svg>", "image/png")},
        headers=HTML,
    )
    assert not_image.status_code == 422
    assert 'id="logo-error"' in not_image.text
    assert client.get(f"{url}/logo").content == png  # the stored one stays
    assert post(client, f"{url}/logo/remove", token).status_code == 303
    assert client.get(f"{url}/logo").status_code == 404


def test_sites_are_added_and_edited_through_the_pages(
    client: TestClient, db: Session, token: str
) -> None:
    workshop = make_organization(db, postcode="69003")
    added = post(
        client,
        f"/admin/organizations/{workshop.id}/sites/new",
        token,
        name="Entrepôt Gerland",
        address="12 rue du Vercors",
        postcode="69007",
        city="Lyon",
        latitude="45,7304",
        longitude="4,8286",
    )
    assert added.status_code == 303, added.text
    site = db.scalar(select(Site).where(Site.name == "Entrepôt Gerland"))
    assert site is not None
    assert (site.territory, site.latitude, site.longitude) == ("69", 45.7304, 4.8286)
    assert (
        f'href="/admin/sites/{site.id}"'
        in client.get(f"/admin/organizations/{workshop.id}", headers=HTML).text
    )
    half = post(
        client,
        f"/admin/sites/{site.id}",
        token,
        name="Gerland",
        postcode="69007",
        city="Lyon",
        latitude="45.7",
        longitude="",
    )
    assert half.status_code == 422
    assert 'id="e-latitude"' in half.text
    db.refresh(site)
    assert site.name == "Entrepôt Gerland"
    saved = post(
        client,
        f"/admin/sites/{site.id}",
        token,
        name="Gerland",
        address="",
        postcode="69007",
        city="Lyon",
        latitude="",
        longitude="",
    )
    assert saved.status_code == 303
    db.refresh(site)
    # Coordinates cleared: the site goes to its address (the commune's centre, the test run's
    # geocoder being off).
    assert (site.name, site.position_source) == ("Gerland", "commune")
    assert site.latitude is not None
    listed = client.get("/admin/sites?q=gerland", headers=HTML).text
    assert f'href="/admin/sites/{site.id}"' in listed


def test_a_partner_has_no_sites(client: TestClient, db: Session, token: str) -> None:
    partner = make_organization(db, kind=OrgKind.PARTNER)
    assert (
        'id="new-site"' not in client.get(f"/admin/organizations/{partner.id}", headers=HTML).text
    )
    refused = post(
        client,
        f"/admin/organizations/{partner.id}/sites/new",
        token,
        name="Local",
        postcode="75011",
        city="Paris",
    )
    assert refused.status_code == 409


def test_the_admin_home_links_to_the_organisations_and_sites(
    client: TestClient, db: Session, token: str
) -> None:
    workshop = make_organization(db)
    site = make_site(db, organization=workshop)
    home = client.get("/", headers=HTML).text
    assert f'href="/admin/organizations/{workshop.id}"' in home
    assert f'href="/admin/sites/{site.id}"' in home
    assert 'href="/admin/organizations"' in home


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TECHNICIAN, Role.AUDITOR, Role.DONOR])
def test_no_one_but_the_operator_reaches_the_pages(
    client: TestClient, db: Session, role: Role
) -> None:
    workshop = make_organization(db)
    site = make_site(db, organization=workshop)
    user = make_user(db, role=role, organization=workshop if role is Role.COORDINATOR else None)
    token = sign_in(client, user)
    for url in (
        "/admin/organizations",
        "/admin/organizations/new",
        f"/admin/organizations/{workshop.id}",
        f"/admin/organizations/{workshop.id}/sites/new",
        "/admin/sites",
        f"/admin/sites/{site.id}",
    ):
        assert client.get(url, headers=HTML).status_code == 403, url
    assert post(client, f"/admin/organizations/{workshop.id}", token, name="X").status_code == 403
    assert post(client, f"/admin/sites/{site.id}", token, name="X").status_code == 403
    assert client.get("/", headers=HTML).text.count('href="/admin/') == 0
    db.refresh(workshop)
    assert workshop.name != "X"
