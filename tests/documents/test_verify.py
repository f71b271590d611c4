"""The public check of a document: by its code or an uploaded copy, on the page and in the API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.documents.codes import normalize_code
from collecte.documents.models import Document
from tests.apidoc import assert_documented
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop

HTML = {"accept": "text/html"}


@pytest.fixture
def issued(client: TestClient, db: Session, settings: Settings) -> tuple[bytes, Document]:
    workshop = Workshop(db)
    device = workshop.receive(serial="VERIFY-1")
    workshop.wipe(device)
    response = client.get(
        f"/api/v1/devices/{device.code}/erasure-certificate.pdf",
        headers=auth_headers(settings, workshop.technician),
    )
    assert response.status_code == 200, response.text
    document = db.scalar(
        select(Document).where(Document.sha256 == response.headers["X-Document-SHA256"])
    )
    assert document is not None
    return response.content, document


def _api(client: TestClient, **params: str) -> Any:
    return client.get("/api/v1/documents/verify", params=params)  # no token: it is public


def test_the_api_recognises_a_document_by_its_code_or_its_hash(
    client: TestClient, issued: tuple[bytes, Document]
) -> None:
    _content, document = issued
    code = document.verification_code
    by_code = _api(client, code=f"{code[:4]}-{code[4:8]}-{code[8:].lower()}")
    assert by_code.status_code == 200, by_code.text
    facts = by_code.json()
    assert facts["found"] is True
    assert facts["sha256"] == document.sha256
    assert facts["version"] == 1
    assert facts["superseded"] is False
    assert facts["issuer"] == document.issuer_name
    assert "VERIFY-1" in facts["covers"]
    assert set(facts) == {
        "found", "kind", "title", "covers", "issuer", "issued_at", "language", "version",
        "verification_code", "sha256", "superseded", "latest_version", "latest_issued_at",
    }  # fmt: skip
    assert (
        _api(client, sha256=document.sha256.upper()).json()["verification_code"]
        == facts["verification_code"]
    )


def test_unknown_is_404_and_malformed_is_422(
    client: TestClient, issued: tuple[bytes, Document]
) -> None:
    assert _api(client, code="0000-0000-0000").status_code == 404
    assert _api(client, sha256="0" * 64).status_code == 404
    for bad in ({"code": "abc"}, {"code": "UUUU-UUUU-UUUU"}, {"sha256": "xyz"}, {}):
        assert _api(client, **bad).status_code == 422, bad


def test_codes_read_as_crockford_base32() -> None:
    assert normalize_code("abcd-efgh-jkmn") == "ABCDEFGHJKMN"
    assert normalize_code("O0IL 0000 0000") == "001100000000"
    assert normalize_code("ABCD-EFGH-JKM") is None
    assert normalize_code("ABCD-EFGH-JKMU") is None


def test_the_page_checks_a_code_and_an_upload_without_an_account(
    client: TestClient, issued: tuple[bytes, Document]
) -> None:
    content, document = issued
    empty = client.get("/verify", headers=HTML)
    assert empty.status_code == 200
    assert "Vérifier un document" in empty.text
    page = client.get("/verify", params={"code": document.verification_code}, headers=HTML)
    assert page.status_code == 200
    assert 'data-outcome="genuine"' in page.text
    assert document.title.replace("'", "&#39;") in page.text
    assert 'id="verify-current"' in page.text
    upload = client.post(
        "/verify", files={"file": ("copy.pdf", content, "application/pdf")}, headers=HTML
    )
    assert upload.status_code == 200
    assert 'data-outcome="genuine"' in upload.text
    modified = content.replace(b"VERIFY-1", b"VERIFY-2", 1)
    assert modified != content
    forged = client.post(
        "/verify", files={"file": ("copy.pdf", modified, "application/pdf")}, headers=HTML
    )
    assert forged.status_code == 404
    assert 'data-outcome="not_genuine"' in forged.text
    unknown = client.get("/verify", params={"code": "0000-0000-0000"}, headers=HTML)
    assert unknown.status_code == 404
    assert 'data-outcome="unknown"' in unknown.text
    english = client.get(
        "/verify",
        params={"code": document.verification_code},
        headers=HTML,
        cookies={"collecte_lang": "en"},
    )
    assert "Genuine document" in english.text


def test_an_upload_above_the_limit_is_refused(client: TestClient) -> None:
    big = b"%PDF" + b"0" * (5 * 1024 * 1024)
    response = client.post(
        "/verify", files={"file": ("big.pdf", big, "application/pdf")}, headers=HTML
    )
    assert response.status_code == 413
    assert 'data-outcome="too_large"' in response.text


def test_a_superseded_version_says_so(
    client: TestClient, db: Session, issued: tuple[bytes, Document]
) -> None:
    _content, document = issued
    newer = Document(
        kind=document.kind,
        title=document.title,
        subject=document.subject,
        language=document.language,
        sha256="f" * 64,
        size_bytes=1,
        version=2,
        supersedes_id=document.id,
        verification_code="ZZZZZZZZZZZZ",
    )
    db.add(newer)
    db.flush()  # the request reads it through the same connection
    facts = _api(client, code=document.verification_code).json()
    assert (facts["superseded"], facts["latest_version"]) == (True, 2)
    page = client.get("/verify", params={"code": document.verification_code}, headers=HTML)
    assert 'id="verify-superseded"' in page.text


def test_an_unknown_code_is_a_documented_404(client: TestClient) -> None:
    # Found by the OpenAPI fuzz (issue 9): the public check answered a 404 it did not publish.
    response = _api(client, code="AAAA-BBBB-CCCC")
    assert response.status_code == 404, response.text
    assert_documented(client, "GET", "/api/v1/documents/verify", 404)
