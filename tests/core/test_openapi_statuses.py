"""Answers the fuzz of the published OpenAPI found undocumented, documented since (issue 9)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from tests.apidoc import assert_documented
from tests.factories.accounts import auth_headers, make_user


def test_an_unreadable_body_is_a_documented_400(
    client: TestClient, db: Session, settings: Settings
) -> None:
    headers = auth_headers(settings, make_user(db, role=Role.TECHNICIAN))
    not_utf8 = client.post(
        "/api/v1/devices",
        content=b'{"brand": "\xff"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    broken_form = client.post(
        "/api/v1/devices/import",
        content=b"--b\r\nnot a part--b--\r\n",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
    )
    for response, path in ((not_utf8, "/api/v1/devices"), (broken_form, "/api/v1/devices/import")):
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "bad_request"
        assert_documented(client, "POST", path, 400)
