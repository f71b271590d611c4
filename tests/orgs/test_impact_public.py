"""The organisations' opt-in to being named on the public impact page: set by the operator on
creation or later, off unless set, and shown in every organisation answer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.orgs.models import Organization
from tests.factories.accounts import auth_headers, make_user

DONOR = {"name": "Banque Témoin", "kind": "donor", "postcode": "92400", "city": "Courbevoie"}


def test_the_operator_sets_the_opt_in_on_creation_and_by_patch(
    client: TestClient, db: Session, settings: Settings
) -> None:
    headers = auth_headers(settings, make_user(db, role=Role.ADMIN))
    plain = client.post("/api/v1/organizations", json=DONOR, headers=headers)
    assert plain.status_code == 201, plain.text
    assert plain.json()["impact_public"] is False
    opted = client.post(
        "/api/v1/organizations", json={**DONOR, "impact_public": True}, headers=headers
    )
    assert opted.json()["impact_public"] is True

    url = f"/api/v1/organizations/{plain.json()['id']}"
    changed = client.patch(url, json={"impact_public": True}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["impact_public"] is True
    assert db.get(Organization, plain.json()["id"]).impact_public is True  # type: ignore[union-attr]
    # Another change leaves it as it is; null is refused (absent keeps, false withdraws).
    assert client.patch(url, json={"city": "Puteaux"}, headers=headers).json()["impact_public"]
    assert client.patch(url, json={"impact_public": None}, headers=headers).status_code == 422
    withdrawn = client.patch(url, json={"impact_public": False}, headers=headers)
    assert withdrawn.json()["impact_public"] is False


def test_only_the_operator_changes_it(client: TestClient, db: Session, settings: Settings) -> None:
    donor_user = make_user(db, role=Role.DONOR)
    url = f"/api/v1/organizations/{donor_user.organization_id}"
    for user in (donor_user, make_user(db, role=Role.AUDITOR)):
        response = client.patch(
            url, json={"impact_public": True}, headers=auth_headers(settings, user)
        )
        assert response.status_code == 403
