"""Erasure records from nwipe logs, and erasure certificates (per device and per donor batch)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.devices.checklists import Category
from collecte.devices.models import ErasureRecord
from collecte.documents.models import Document
from collecte.orgs.models import OrgKind
from tests.apidoc import assert_documented
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.factories.devices import Workshop, received_on

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _upload_log(client: TestClient, headers: dict[str, str], code: str, name: str) -> object:
    raw = (FIXTURES / name).read_bytes()
    return client.post(
        f"/api/v1/devices/{code}/erasure-log",
        files={"file": (name, raw, "text/plain")},
        headers=headers,
    )


def test_nwipe_log_upload_records_each_drive_and_wipes_the_device(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = received_on(db, workshop.receive())  # before the log's erasure
    headers = auth_headers(settings, workshop.technician)
    response = _upload_log(client, headers, device.code, "nwipe-erased.log")
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    rows = response.json()  # type: ignore[attr-defined]
    assert len(rows) >= 1
    assert {r["result"] for r in rows} == {"erased"}
    assert all(r["verified"] for r in rows)
    digest = hashlib.sha256((FIXTURES / "nwipe-erased.log").read_bytes()).hexdigest()
    assert {r["log_sha256"] for r in rows} == {digest}
    assert client.get(f"/api/v1/devices/{device.code}", headers=headers).json()["status"] == "wiped"


@pytest.mark.parametrize(
    ("name", "result"), [("nwipe-failed.log", "failed"), ("nwipe-aborted.log", "aborted")]
)
def test_failed_or_aborted_log_leaves_the_device_unwiped(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings, name: str, result: str
) -> None:
    device = received_on(db, workshop.receive())
    headers = auth_headers(settings, workshop.technician)
    response = _upload_log(client, headers, device.code, name)
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    assert result in {r["result"] for r in response.json()}  # type: ignore[attr-defined]
    assert (
        client.get(f"/api/v1/devices/{device.code}", headers=headers).json()["status"] == "received"
    )


def test_garbage_log_is_422(client: TestClient, workshop: Workshop, settings: Settings) -> None:
    device = workshop.receive()
    response = client.post(
        f"/api/v1/devices/{device.code}/erasure-log",
        files={"file": ("x.log", b"hello world", "text/plain")},
        headers=auth_headers(settings, workshop.technician),
    )
    assert response.status_code == 422
    assert "nwipe" in response.json()["detail"]


def test_device_certificate_lists_the_storage_and_records_its_hash(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive(serial="PF-CERT-1")
    headers = auth_headers(settings, workshop.technician)
    refused = client.get(f"/api/v1/devices/{device.code}/erasure-certificate.pdf", headers=headers)
    assert refused.status_code == 409
    workshop.wipe(device)
    response = client.get(f"/api/v1/devices/{device.code}/erasure-certificate.pdf", headers=headers)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = _text(response.content)
    assert f"DISK-{device.code}" in text
    assert "PF-CERT-1" in text
    assert "Objet :" in text  # French by default
    assert "Émis le :" in text
    digest = hashlib.sha256(response.content).hexdigest()
    assert response.headers["X-Document-SHA256"] == digest
    recorded = db.scalar(select(Document).where(Document.sha256 == digest))
    assert recorded is not None
    assert recorded.kind == "erasure_certificate"
    assert recorded.issuer_organization_id == device.organization_id
    # Issued once: a second download is the same bytes, and no new row.
    again = client.get(f"/api/v1/devices/{device.code}/erasure-certificate.pdf", headers=headers)
    assert again.content == response.content
    assert db.scalar(select(func.count()).where(Document.kind == "erasure_certificate")) == 1
    verify = client.get(f"/api/v1/documents/verify?sha256={digest}")
    assert verify.status_code == 200
    assert verify.json()["found"] is True
    assert client.get(f"/api/v1/documents/verify?sha256={'0' * 64}").status_code == 404


def test_batch_certificate_refused_while_any_storage_is_untreated_or_failed(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    done = workshop.receive(serial="B-1")
    workshop.wipe(done)
    failed = workshop.receive(serial="B-2")
    workshop.wipe(failed, result="failed", verified=False)
    untreated = workshop.receive(serial="B-3")
    workshop.receive(serial="B-4", has_storage=False, category=Category.MONITOR, specs={})
    headers = auth_headers(settings, workshop.technician)
    url = f"/api/v1/organizations/{workshop.donor.id}/erasure-certificate.pdf"
    refused = client.get(url, headers=headers)
    assert refused.status_code == 409
    assert set(refused.json()["untreated"]) == {
        f"{failed.code[:4]} {failed.code[4:]}",
        f"{untreated.code[:4]} {untreated.code[4:]}",
    }
    workshop.wipe(failed)
    workshop.wipe(untreated)
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert client.get(url, headers=headers).content == response.content  # issued once
    text = _text(response.content)
    for device in (done, failed, untreated):
        assert f"DISK-{device.code}" in text
    # One row per storage: the failed attempt is listed too, with its result.
    assert db.scalar(select(ErasureRecord.id).where(ErasureRecord.result == "failed")) is not None
    assert "ÉCHEC" in text  # French by default


def test_donor_gets_its_own_certificate_only(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    workshop.wipe(device)
    own = make_user(db, role=Role.DONOR, organization=workshop.donor)
    other = make_user(db, role=Role.DONOR, organization=make_organization(db, kind=OrgKind.DONOR))
    url = f"/api/v1/organizations/{workshop.donor.id}/erasure-certificate.pdf"
    assert client.get(url, headers=auth_headers(settings, own)).status_code == 200
    assert client.get(url, headers=auth_headers(settings, other)).status_code == 404
    device_url = f"/api/v1/devices/{device.code}/erasure-certificate.pdf"
    assert client.get(device_url, headers=auth_headers(settings, own)).status_code == 200
    assert client.get(device_url, headers=auth_headers(settings, other)).status_code == 404
    partner = make_user(db, role=Role.PARTNER)
    assert client.get(url, headers=auth_headers(settings, partner)).status_code == 404


def test_a_certificate_refused_until_erasure_is_a_documented_409(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    # Found by the OpenAPI fuzz (issue 9): certificates are issued on a GET, which published
    # neither its 409 nor its PDF.
    device = workshop.receive(serial="NOT-WIPED")
    path = "/api/v1/devices/{code}/erasure-certificate.pdf"
    response = client.get(
        path.format(code=device.code), headers=auth_headers(settings, workshop.technician)
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "no_verified_erasure"
    for documented in (path, "/api/v1/organizations/{donor_id}/erasure-certificate.pdf"):
        assert_documented(client, "GET", documented, 409)
        assert_documented(client, "GET", documented, 200, "application/pdf")
