"""The operator's changes to organisations and sites through the API: PATCH on both, the logo,
and each refusal (role, malformed SIRET, half a position, a site of a non-workshop, unknown id)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.siret import luhn_valid, siret_valid
from tests.factories.accounts import auth_headers, make_organization, make_site, make_user
from tests.orgs.images import image_bytes

VALID_SIRET = "73282932000074"


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, role=Role.ADMIN)


@pytest.fixture
def workshop(db: Session) -> Organization:
    return make_organization(db, kind=OrgKind.WORKSHOP, postcode="69003")


@pytest.fixture
def site(db: Session, workshop: Organization) -> Site:
    return make_site(db, organization=workshop, postcode="69003")


def _patch(client: TestClient, url: str, headers: dict[str, str], **body: Any) -> Any:
    return client.patch(url, json=body, headers=headers)


def test_the_luhn_key_of_a_siret() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert siret_valid(VALID_SIRET)
    assert not siret_valid("73282932000075")  # last digit changed
    assert not siret_valid("37282932000074")  # two neighbours swapped
    assert siret_valid("35600000049837")  # La Poste: digits summing to a multiple of 5


def test_patch_an_organisation_sets_legal_name_and_siret(
    client: TestClient, settings: Settings, admin: User, workshop: Organization
) -> None:
    headers = auth_headers(settings, admin)
    url = f"/api/v1/organizations/{workshop.id}"
    response = _patch(
        client, url, headers, legal_name="  Atelier Solidaire SAS ", siret="732 829 320 00074"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["legal_name"], body["siret"], body["has_logo"]) == (
        "Atelier Solidaire SAS",
        VALID_SIRET,
        False,
    )
    cleared = _patch(client, url, headers, legal_name=None).json()
    assert (cleared["legal_name"], cleared["siret"]) == (None, VALID_SIRET)


def test_a_siret_with_a_wrong_check_digit_is_refused_and_says_so(
    client: TestClient, settings: Settings, admin: User, workshop: Organization
) -> None:
    headers = auth_headers(settings, admin)
    url = f"/api/v1/organizations/{workshop.id}"
    wrong = _patch(client, url, headers, siret="73282932000075")
    assert wrong.status_code == 422
    assert wrong.json()["fields"][0]["type"] == "siret_check_digit"
    assert "check digit" in wrong.json()["detail"]
    short = _patch(client, url, headers, siret="7328293200007")
    assert (short.status_code, short.json()["fields"][0]["type"]) == (422, "siret_format")
    created = client.post(
        "/api/v1/organizations",
        json={
            "name": "X",
            "kind": "donor",
            "postcode": "75011",
            "city": "Paris",
            "siret": "1" * 14,
        },
        headers=headers,
    )
    assert created.status_code == 422


def test_patch_a_site(client: TestClient, settings: Settings, admin: User, site: Site) -> None:
    headers = auth_headers(settings, admin)
    url = f"/api/v1/sites/{site.id}"
    response = _patch(
        client,
        url,
        headers,
        name="Entrepôt Gerland",
        address="12 rue du Vercors",
        postcode="69007",
        city="Lyon",
        latitude=45.73,
        longitude=4.83,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["territory"], body["latitude"], body["longitude"]) == (
        "Entrepôt Gerland",
        "69",
        45.73,
        4.83,
    )
    # One coordinate moved keeps the other; both taken away together are allowed.
    assert _patch(client, url, headers, latitude=45.74).json()["longitude"] == 4.83
    gone = _patch(client, url, headers, latitude=None, longitude=None).json()
    assert (gone["latitude"], gone["longitude"]) == (None, None)


def test_a_site_ends_with_both_coordinates_or_neither(
    client: TestClient, settings: Settings, admin: User, site: Site
) -> None:
    headers = auth_headers(settings, admin)
    url = f"/api/v1/sites/{site.id}"
    half = _patch(client, url, headers, latitude=45.7)
    assert (half.status_code, half.json()["error"]) == (422, "invalid_input"), half.text
    assert client.get(url, headers=headers).json()["latitude"] is None  # nothing written
    _patch(client, url, headers, latitude=45.7, longitude=4.8)
    dropped = _patch(client, url, headers, longitude=None)
    assert dropped.status_code == 422


def test_a_site_only_for_a_workshop(
    client: TestClient, db: Session, settings: Settings, admin: User
) -> None:
    partner = make_organization(db, kind=OrgKind.PARTNER)
    response = client.post(
        "/api/v1/sites",
        json={"organization_id": partner.id, "name": "Local", "postcode": "75011", "city": "Paris"},
        headers=auth_headers(settings, admin),
    )
    assert (response.status_code, response.json()["code"]) == (409, "sites_for_workshops_only")


def test_unknown_ids_are_not_found(client: TestClient, settings: Settings, admin: User) -> None:
    headers = auth_headers(settings, admin)
    assert _patch(client, "/api/v1/sites/999999", headers, name="X").status_code == 404
    assert _patch(client, "/api/v1/organizations/999999", headers, name="X").status_code == 404
    assert client.get("/api/v1/organizations/999999/logo", headers=headers).status_code == 404
    png = {"file": ("logo.png", image_bytes(), "image/png")}
    assert (
        client.put("/api/v1/organizations/999999/logo", files=png, headers=headers).status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TECHNICIAN, Role.AUDITOR, Role.PARTNER])
def test_only_the_operator_changes_organisations_and_sites(
    client: TestClient,
    db: Session,
    settings: Settings,
    role: Role,
    workshop: Organization,
    site: Site,
) -> None:
    own = workshop if role in (Role.COORDINATOR, Role.TECHNICIAN) else None
    headers = auth_headers(settings, make_user(db, role=role, organization=own))
    assert _patch(client, f"/api/v1/sites/{site.id}", headers, name="X").status_code == 403
    url = f"/api/v1/organizations/{workshop.id}"
    assert _patch(client, url, headers, legal_name="X").status_code == 403
    png = {"file": ("logo.png", image_bytes(), "image/png")}
    assert client.put(f"{url}/logo", files=png, headers=headers).status_code == 403
    assert client.delete(f"{url}/logo", headers=headers).status_code == 403


def test_a_logo_is_uploaded_served_and_removed(
    client: TestClient, db: Session, settings: Settings, admin: User, workshop: Organization
) -> None:
    headers = auth_headers(settings, admin)
    url = f"/api/v1/organizations/{workshop.id}/logo"
    assert client.get(url, headers=headers).status_code == 404
    jpeg = image_bytes("JPEG")
    # The claimed type and name are ignored: the bytes say JPEG.
    response = client.put(url, files={"file": ("logo.png", jpeg, "image/png")}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["has_logo"] is True
    served = client.get(url, headers=headers)
    assert (served.status_code, served.headers["content-type"], served.content) == (
        200,
        "image/jpeg",
        jpeg,
    )
    # Its staff see it; another workshop's staff are told it does not exist.
    staff = make_user(db, role=Role.TECHNICIAN, organization=workshop)
    assert client.get(url, headers=auth_headers(settings, staff)).status_code == 200
    other = make_user(db, role=Role.COORDINATOR, organization=make_organization(db))
    assert client.get(url, headers=auth_headers(settings, other)).status_code == 404
    removed = client.delete(url, headers=headers)
    assert removed.json()["has_logo"] is False
    assert client.get(url, headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"GIF89a" + b"\0" * 100, "logo_not_an_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "logo_not_an_image"),  # the signature only
        (image_bytes("PNG")[:-30], "logo_not_an_image"),  # truncated
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (512 * 1024), "logo_too_large"),
        (image_bytes("PNG", (4001, 10)), "logo_too_wide"),
    ],
)
def test_what_is_not_an_acceptable_logo_is_refused(
    client: TestClient,
    settings: Settings,
    admin: User,
    workshop: Organization,
    raw: bytes,
    code: str,
) -> None:
    headers = auth_headers(settings, admin)
    url = f"/api/v1/organizations/{workshop.id}/logo"
    response = client.put(url, files={"file": ("logo.png", raw, "image/png")}, headers=headers)
    assert (response.status_code, response.json()["code"]) == (422, code), response.text
    assert client.get(url, headers=headers).status_code == 404


def test_the_list_searches_within_what_the_caller_sees(
    client: TestClient, db: Session, settings: Settings, admin: User
) -> None:
    wanted = make_organization(db, kind=OrgKind.DONOR, name="Banque des Cévennes")
    make_organization(db, kind=OrgKind.DONOR, name="Mutuelle du Nord")
    found = client.get(
        "/api/v1/organizations", params={"q": "cévennes"}, headers=auth_headers(settings, admin)
    ).json()
    assert [o["id"] for o in found] == [wanted.id]
    other = make_user(db, role=Role.DONOR)
    hidden = client.get(
        "/api/v1/organizations", params={"q": "cévennes"}, headers=auth_headers(settings, other)
    ).json()
    assert hidden == []
