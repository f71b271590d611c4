"""Documents are issued once: the same content is the same bytes, a changed one a new version."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.documents.models import Document
from collecte.notifications.models import OutboxMessage
from collecte.orgs.models import Organization
from collecte.pickups.models import Pickup
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop
from tests.pickups.test_api import BOOKING


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def _count(db: Session, kind: str) -> int:
    return db.scalar(select(func.count()).where(Document.kind == kind)) or 0


def _collected(
    client: TestClient, settings: Settings, donor_user: User, coordinator: User, workshop: Workshop
) -> dict[str, Any]:
    headers = auth_headers(settings, donor_user)
    pickup = client.post("/api/v1/pickups", json=BOOKING, headers=headers).json()
    url = f"/api/v1/pickups/{pickup['id']}"
    client.post(
        f"{url}/schedule",
        json={"date": "2026-12-01", "site_id": workshop.site.id},
        headers=auth_headers(settings, coordinator),
    )
    collected = client.post(
        f"{url}/collect",
        json={
            "weight_kg": 16.5,
            "released_by": "C. Martin",
            "received_by": "A. Diallo",
            "counts": {"laptop": 3, "smartphone": 2},
        },
        headers=auth_headers(settings, workshop.technician),
    )
    assert collected.status_code == 200, collected.text
    return dict(collected.json())


@pytest.fixture
def pickup(
    client: TestClient, settings: Settings, donor_user: User, coordinator: User, workshop: Workshop
) -> dict[str, Any]:
    return _collected(client, settings, donor_user, coordinator, workshop)


def test_the_collection_proof_is_issued_once_then_versioned(
    client: TestClient,
    db: Session,
    settings: Settings,
    donor_user: User,
    pickup: dict[str, Any],
) -> None:
    url = f"/api/v1/pickups/{pickup['id']}/collection-proof.pdf"
    headers = auth_headers(settings, donor_user)
    first = client.get(url, headers=headers)
    again = client.get(url, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["X-Document-SHA256"] == first.headers["X-Document-SHA256"]
    assert _count(db, "collection_proof") == 1
    # The collection record is corrected: the proof is re-issued as version 2.
    record = db.get_one(Pickup, pickup["id"])
    record.released_by = "Claire Martin"
    db.flush()
    changed = client.get(url, headers=headers)
    assert changed.content != first.content
    assert "Claire Martin" in _text(changed.content)
    versions = list(
        db.scalars(
            select(Document).where(Document.kind == "collection_proof").order_by(Document.version)
        )
    )
    assert [d.version for d in versions] == [1, 2]
    assert versions[1].supersedes_id == versions[0].id
    assert versions[0].content == first.content  # the first version is kept, byte for byte
    assert client.get(url, headers=headers).content == changed.content


def test_the_french_proof_names_its_issuer_and_formats_for_french(
    client: TestClient,
    db: Session,
    settings: Settings,
    donor_user: User,
    workshop: Workshop,
    pickup: dict[str, Any],
) -> None:
    workshop.organization.legal_name = "Atelier Solidaire SCIC SAS"
    workshop.organization.siret = "12345678901234"
    db.flush()
    url = f"/api/v1/pickups/{pickup['id']}/collection-proof.pdf"
    french = client.get(url, headers=auth_headers(settings, donor_user))
    text = _text(french.content)
    assert f"Bordereau de collecte — collecte n° {pickup['id']}" in text
    assert "16,5 kg" in text
    assert "Émis par : Atelier Solidaire SCIC SAS" in text
    assert "SIRET 12345678901234" in text
    assert "heure de Paris" in text
    for english in ("Collection proof", "Covers", "Issued", "Total weight", "Released by"):
        assert english not in text, english
    metadata = PdfReader(io.BytesIO(french.content)).metadata
    assert metadata is not None
    assert metadata.title == f"Bordereau de collecte — collecte n° {pickup['id']}"
    assert metadata.author is not None
    assert "Atelier Solidaire SCIC SAS" in metadata.author

    in_english = client.get(url, params={"lang": "en"}, headers=auth_headers(settings, donor_user))
    english_text = _text(in_english.content)
    assert f"Collection proof — pickup {pickup['id']}" in english_text
    assert "16.5 kg" in english_text
    assert _count(db, "collection_proof") == 2  # one per language
    assert (
        client.get(
            url, params={"lang": "de"}, headers=auth_headers(settings, donor_user)
        ).status_code
        == 422
    )


def test_every_page_carries_a_qr_code_to_the_verify_page(
    client: TestClient,
    db: Session,
    settings: Settings,
    donor_user: User,
    pickup: dict[str, Any],
) -> None:
    url = f"/api/v1/pickups/{pickup['id']}/collection-proof.pdf"
    response = client.get(url, headers=auth_headers(settings, donor_user))
    document = db.scalar(select(Document).where(Document.kind == "collection_proof"))
    assert document is not None
    code = document.verification_code
    assert len(code) == 12
    grouped = f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert f"Code de vérification : {grouped}" in _text(response.content)
    pdf = pypdfium2.PdfDocument(response.content)
    try:
        image = pdf[0].render(scale=3).to_pil()
    finally:
        pdf.close()
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == [f"{settings.public_base_url}/verify?code={code}"]


def test_the_batch_certificate_says_which_declared_devices_are_missing(
    client: TestClient,
    db: Session,
    settings: Settings,
    donor_user: User,
    workshop: Workshop,
    pickup: dict[str, Any],
) -> None:
    received = [
        workshop.receive(serial=s, pickup_id=pickup["id"], donor_id=None) for s in ("PF-1", "PF-2")
    ]
    for device in received:
        workshop.wipe(device)
    url = f"/api/v1/pickups/{pickup['id']}/erasure-certificate.pdf"
    headers = auth_headers(settings, donor_user)
    first = client.get(url, headers=headers)
    assert first.status_code == 200, first.text
    text = _text(first.content)
    assert "PF-3" in text
    assert "IMEI-9" in text
    assert "n'ont pas été reçus" in text
    assert client.get(url, headers=headers).content == first.content
    assert _count(db, "erasure_certificate_batch") == 1
    # Another declared device arrives and is erased: version 2 supersedes version 1.
    workshop.wipe(workshop.receive(serial="PF-3", pickup_id=pickup["id"], donor_id=None))
    second = client.get(url, headers=headers)
    assert second.content != first.content
    versions = list(
        db.scalars(
            select(Document)
            .where(Document.kind == "erasure_certificate_batch")
            .order_by(Document.version)
        )
    )
    assert [(d.version, d.supersedes_id) for d in versions] == [(1, None), (2, versions[0].id)]
    # The workshop holding every device of the batch issues it.
    holder = db.get_one(Organization, workshop.organization.id)
    assert versions[1].issuer_organization_id == holder.id


def test_the_certificate_email_waits_for_the_declared_devices(
    client: TestClient,
    db: Session,
    settings: Settings,
    workshop: Workshop,
    pickup: dict[str, Any],
) -> None:
    def certificate_emails() -> int:
        key = f"pickup:{pickup['id']}:certificate"
        return db.scalar(select(func.count()).where(OutboxMessage.event_key == key)) or 0

    from collecte.devices.checklists import Category

    devices = [
        workshop.receive(serial="PF-1", pickup_id=pickup["id"], donor_id=None),
        workshop.receive(serial="PF-2", pickup_id=pickup["id"], donor_id=None),
        workshop.receive(
            serial="IMEI-9", pickup_id=pickup["id"], donor_id=None, category=Category.SMARTPHONE
        ),
        workshop.receive(
            serial="IMEI-10", pickup_id=pickup["id"], donor_id=None, category=Category.SMARTPHONE
        ),
    ]
    for device in devices:
        workshop.wipe(device)
    # Every storage received is erased, but PF-3 was declared and has not arrived.
    assert certificate_emails() == 0
    workshop.wipe(workshop.receive(serial="PF-3", pickup_id=pickup["id"], donor_id=None))
    assert certificate_emails() == 1
