"""Every HTML page carries a content security policy and refuses framing; every response refuses
content sniffing."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.core.security_headers import PAGE_POLICY
from collecte.core.web import TEMPLATES_DIR
from tests.devices.pagehelpers import HTML, sign_in
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop


def _assert_page_headers(response: Any) -> None:
    headers = response.headers
    assert headers["content-type"].startswith("text/html")
    policy = headers["content-security-policy"]
    assert policy == PAGE_POLICY
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"


def test_pages_and_error_pages_carry_the_headers(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    _assert_page_headers(client.get("/login", headers=HTML))
    sign_in(client, workshop.technician)
    device = workshop.receive(serial="CSP-1")
    for url in ("/", "/scan", f"/devices/{device.code}", "/devices", "/pickups"):
        response = client.get(url, headers=HTML)
        assert response.status_code == 200, url
        _assert_page_headers(response)
    missing = client.get("/devices/ZZZZZZZZ", headers=HTML)
    assert missing.status_code in {404, 422}
    _assert_page_headers(missing)


def test_other_responses_refuse_sniffing_without_a_page_policy(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    for response in (
        client.get("/api/v1/users/me", headers=auth_headers(settings, workshop.technician)),
        client.get("/api/v1/users/me"),
        client.get("/static/scan.js"),
        client.get("/openapi.json"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in response.headers


def test_the_interactive_documentation_keeps_working_and_cannot_be_framed(
    client: TestClient,
) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert docs.headers["x-frame-options"] == "DENY"


def test_no_template_has_inline_script_style_or_handler() -> None:
    """What the page policy relies on: scripts and styles come from /static only."""
    inline = re.compile(
        r"<script(?![^>]*\b(?:src=|type=\"application/json\"))|<style|\sstyle=|\son[a-z]+=|javascript:",
        re.IGNORECASE,
    )
    found = [
        f"{path.relative_to(TEMPLATES_DIR)}: {match.group(0)}"
        for path in TEMPLATES_DIR.rglob("*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert found == []


def test_an_unexpected_error_page_carries_the_headers_too(
    app: FastAPI, settings: Settings, workshop: Workshop
) -> None:
    """Starlette answers an unhandled error outside the app's middlewares: the 500 handler sets
    the headers itself."""

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/boom", headers=HTML)
        assert page.status_code == 500
        _assert_page_headers(page)
        answer = client.get("/boom")
        assert answer.status_code == 500
        assert answer.json()["error"] == "internal_error"
        assert answer.headers["x-content-type-options"] == "nosniff"
