from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.orgs.models import OrgKind
from tests.factories.accounts import auth_headers, make_organization, make_site, make_user


def test_admin_creates_an_organisation_with_its_territory(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    response = client.post(
        "/api/v1/organizations",
        json={"name": "Mairie d'Ajaccio", "kind": "donor", "postcode": "20000", "city": "Ajaccio"},
        headers=auth_headers(settings, admin),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["territory"] == "2A"
    assert isinstance(body["id"], int)
    fetched = client.get(
        f"/api/v1/organizations/{body['id']}", headers=auth_headers(settings, admin)
    )
    assert fetched.json()["name"] == "Mairie d'Ajaccio"


def test_overseas_postcode_gives_a_three_digit_territory(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    response = client.post(
        "/api/v1/organizations",
        json={
            "name": "CCAS de Mamoudzou",
            "kind": "partner",
            "postcode": "97600",
            "city": "Mamoudzou",
        },
        headers=auth_headers(settings, admin),
    )
    assert response.json()["territory"] == "976"


def test_bad_postcode_is_422_and_writes_nothing(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    headers = auth_headers(settings, admin)
    before = len(client.get("/api/v1/organizations", headers=headers).json())
    response = client.post(
        "/api/v1/organizations",
        json={"name": "Nowhere", "kind": "donor", "postcode": "00000", "city": "X"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert len(client.get("/api/v1/organizations", headers=headers).json()) == before


def test_malformed_body_is_422_validation_error(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    response = client.post(
        "/api/v1/organizations",
        json={"name": "", "kind": "charity", "postcode": "75011"},
        headers=auth_headers(settings, admin),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert "kind" in body["detail"]
    assert "city" in body["detail"]


def test_non_admin_cannot_create_organisations_or_sites(
    client: TestClient, db: Session, settings: Settings
) -> None:
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    for role in (Role.COORDINATOR, Role.TECHNICIAN, Role.DONOR, Role.PARTNER, Role.AUDITOR):
        user = make_user(
            db,
            role=role,
            organization=workshop if role in (Role.COORDINATOR, Role.TECHNICIAN) else None,
        )
        headers = auth_headers(settings, user)
        org = client.post(
            "/api/v1/organizations",
            json={"name": "X", "kind": "donor", "postcode": "75011", "city": "Paris"},
            headers=headers,
        )
        site = client.post(
            "/api/v1/sites",
            json={
                "organization_id": workshop.id,
                "name": "S",
                "postcode": "75011",
                "city": "Paris",
            },
            headers=headers,
        )
        assert (org.status_code, site.status_code) == (403, 403), role


def test_sites_belong_to_workshops_only(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    donor = make_organization(db, kind=OrgKind.DONOR)
    response = client.post(
        "/api/v1/sites",
        json={"organization_id": donor.id, "name": "S", "postcode": "75011", "city": "Paris"},
        headers=auth_headers(settings, admin),
    )
    assert response.status_code == 409  # a well-formed request a rule refuses
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    created = client.post(
        "/api/v1/sites",
        json={
            "organization_id": workshop.id,
            "name": "Bastia",
            "postcode": "20200",
            "city": "Bastia",
            "latitude": 42.70,
            "longitude": 9.45,
        },
        headers=auth_headers(settings, admin),
    )
    assert created.status_code == 201
    assert created.json()["territory"] == "2B"


def test_donor_and_partner_see_only_their_own_organisation(
    client: TestClient, db: Session, settings: Settings
) -> None:
    donor_a = make_user(db, role=Role.DONOR)
    donor_b = make_user(db, role=Role.DONOR)
    partner = make_user(db, role=Role.PARTNER)
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    make_site(db, organization=workshop)

    for user, other in ((donor_a, donor_b), (partner, donor_a)):
        headers = auth_headers(settings, user)
        listed = client.get("/api/v1/organizations", headers=headers).json()
        assert [o["id"] for o in listed] == [user.organization_id]
        hidden = client.get(f"/api/v1/organizations/{other.organization_id}", headers=headers)
        assert hidden.status_code == 404
        assert hidden.json() == {
            "error": "not_found",
            "code": "not_found",
            "detail": f"no organisation {other.organization_id}",
        }
        assert client.get("/api/v1/sites", headers=headers).json() == []


def test_workshop_staff_see_their_workshop_and_the_donors_and_partners_not_other_workshops(
    client: TestClient, db: Session, settings: Settings
) -> None:
    mine = make_organization(db, kind=OrgKind.WORKSHOP)
    theirs = make_organization(db, kind=OrgKind.WORKSHOP)
    donor = make_organization(db, kind=OrgKind.DONOR)
    my_site = make_site(db, organization=mine)
    their_site = make_site(db, organization=theirs)
    technician = make_user(db, role=Role.TECHNICIAN, organization=mine)
    headers = auth_headers(settings, technician)

    ids = {o["id"] for o in client.get("/api/v1/organizations", headers=headers).json()}
    assert {mine.id, donor.id} <= ids
    assert theirs.id not in ids
    assert client.get(f"/api/v1/organizations/{theirs.id}", headers=headers).status_code == 404
    assert [s["id"] for s in client.get("/api/v1/sites", headers=headers).json()] == [my_site.id]
    assert client.get(f"/api/v1/sites/{their_site.id}", headers=headers).status_code == 404


def test_auditor_reads_the_whole_network(
    client: TestClient, db: Session, settings: Settings
) -> None:
    auditor = make_user(db, role=Role.AUDITOR)
    workshop = make_organization(db, kind=OrgKind.WORKSHOP)
    site = make_site(db, organization=workshop)
    headers = auth_headers(settings, auditor)
    assert client.get(f"/api/v1/organizations/{workshop.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/sites/{site.id}", headers=headers).status_code == 200


def test_kind_filter(client: TestClient, db: Session, settings: Settings) -> None:
    admin = make_user(db, role=Role.ADMIN)
    make_organization(db, kind=OrgKind.PARTNER)
    listed = client.get(
        "/api/v1/organizations?kind=partner", headers=auth_headers(settings, admin)
    ).json()
    assert listed
    assert {o["kind"] for o in listed} == {"partner"}
