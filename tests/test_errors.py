"""Every failure answers with {"error", "detail"} and the right status; nothing answers 500."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.handlers import lost_race
from tests.factories.accounts import auth_headers, make_user

PROTECTED = ["/api/v1/organizations", "/api/v1/sites", "/api/v1/users", "/api/v1/users/me"]


@pytest.mark.parametrize("path", PROTECTED)
def test_no_token_is_401(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_garbage_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/organizations", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Not Found"}


def test_wrong_method_is_405_with_error_shape(client: TestClient) -> None:
    response = client.delete("/api/v1/organizations")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("get", "/api/v1/organizations/abc", None),
        ("get", "/api/v1/organizations?limit=0", None),
        ("get", "/api/v1/organizations?kind=nonsense", None),
        ("post", "/api/v1/organizations", "not json"),
        (
            "post",
            "/api/v1/organizations",
            {"name": "x" * 500, "kind": "donor", "postcode": "75011", "city": "P"},
        ),
        (
            "post",
            "/api/v1/organizations",
            {"name": "x", "kind": "donor", "postcode": "\u0000\u0000", "city": "P"},
        ),
        (
            "post",
            "/api/v1/organizations",
            {"name": "x", "kind": "donor", "postcode": "99999", "city": "P"},
        ),
        (
            "post",
            "/api/v1/sites",
            {"organization_id": 10**12, "name": "x", "postcode": "75011", "city": "P"},
        ),
        (
            "post",
            "/api/v1/sites",
            {"organization_id": "1e3", "name": "x", "postcode": "75011", "city": "P"},
        ),
        (
            "post",
            "/api/v1/users",
            {"email": "not-an-email", "password": "long enough pw", "role": "admin"},
        ),
        (
            "post",
            "/api/v1/users",
            {
                "email": "a@b.org",
                "password": "long enough pw",
                "role": "admin",
                "organization_id": 2**40,
            },
        ),
        ("get", "/api/v1/users/99999999999999999999", None),
    ],
)
def test_malformed_input_is_422_never_500(
    client: TestClient, db: Session, settings: Settings, method: str, path: str, payload: object
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    headers = auth_headers(settings, admin)
    if isinstance(payload, str):
        response = client.request(
            method, path, content=payload, headers={**headers, "Content-Type": "application/json"}
        )
    else:
        response = client.request(method, path, json=payload, headers=headers)
    assert response.status_code == 422, response.text
    assert set(response.json()) >= {"error", "detail"}


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/auth/token" in spec["paths"]
    assert "/api/v1/organizations" in spec["paths"]


def test_health_check_reaches_the_database(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_unique_index_refusing_a_row_is_a_lost_race() -> None:
    """The code checks before it writes (a device bound once, a code drawn once): a unique index
    that refuses the row anyway met a concurrent writer, answered 409 changed_meanwhile."""
    for orig in (
        psycopg.errors.UniqueViolation("duplicate key value violates unique constraint"),
        sqlite3.IntegrityError("UNIQUE constraint failed: allocations.device_id"),
    ):
        assert lost_race(IntegrityError("INSERT …", {}, orig))
    not_null = sqlite3.IntegrityError("NOT NULL constraint failed: allocations.request_id")
    assert not lost_race(IntegrityError("INSERT …", {}, not_null))  # a bug: still a 500
