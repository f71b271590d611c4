"""The pickups' refusals the OpenAPI fuzz found undocumented (issue 9): each answer is one the
published schema lists for its operation."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.types import utcnow
from collecte.orgs.models import OrgKind
from tests.apidoc import assert_documented
from tests.factories.accounts import auth_headers, make_organization, make_site
from tests.pickups.pagehelpers import book


def test_documents_of_a_pickup_not_collected_are_a_documented_409(
    client: TestClient, db: Session, settings: Settings, donor_user: User
) -> None:
    day = (utcnow().date() + dt.timedelta(days=10)).isoformat()
    pickup = book(db, donor_user, day=day)
    headers = auth_headers(settings, donor_user)
    for path in (
        "/api/v1/pickups/{pickup_id}/collection-proof.pdf",
        "/api/v1/pickups/{pickup_id}/donation-receipt",
    ):
        response = client.get(path.format(pickup_id=pickup.id), headers=headers)
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "pickup_not_collected"
        assert_documented(client, "GET", path, 409)
    for path in (
        "/api/v1/pickups/{pickup_id}/collection-proof.pdf",
        "/api/v1/pickups/{pickup_id}/erasure-certificate.pdf",
        "/api/v1/pickups/run-sheet.pdf",
    ):
        assert_documented(client, "GET", path, 200, "application/pdf")
        assert_documented(client, "GET", path, 409)


def test_a_run_sheet_of_a_site_out_of_sight_is_a_documented_404(
    client: TestClient, db: Session, settings: Settings, coordinator: User
) -> None:
    elsewhere = make_site(db, organization=make_organization(db, kind=OrgKind.WORKSHOP))
    headers = auth_headers(settings, coordinator)
    day = (utcnow().date() + dt.timedelta(days=3)).isoformat()
    for path in ("/api/v1/pickups/run-sheet", "/api/v1/pickups/run-sheet.pdf"):
        response = client.get(path, params={"date": day, "site_id": elsewhere.id}, headers=headers)
        assert response.status_code == 404, response.text
        assert_documented(client, "GET", path, 404)
