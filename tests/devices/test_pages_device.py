"""The device page: its history and records, its forms through the lifecycle, its downloads."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.core.vocabulary import LABELS
from collecte.devices.checklists import CHECKLISTS, Category
from collecte.devices.codes import format_code
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import DiagnosisRecord, ErasureRecord, RepairRecord
from collecte.orgs.models import OrgKind
from tests.devices.pagehelpers import (
    HTML,
    passing_form,
    post,
    status_of,
)
from tests.factories.accounts import make_site
from tests.factories.devices import Workshop, received_on


def test_device_page_shows_history_and_records(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="HIST-1")
    workshop.diagnose(device)
    workshop.wipe(device)
    workshop.grade(device, "F5", "C4")
    page = client.get(f"/devices/{device.code}", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert format_code(device.code) in text
    assert "Lenovo ThinkPad T480" in text
    assert workshop.site.name in text
    assert workshop.donor.name in text
    history = text[text.index('id="history"') :]
    # newest first: the grade, the erasure, the diagnosis, then the intake
    positions = [
        history.index(word)
        for word in (
            "Grade</strong>",
            "Effacement</strong>",
            "Diagnostic</strong>",
            "Réception</strong>",
        )
    ]
    assert positions == sorted(positions)
    records = text[text.index('id="records"') :]
    assert f"DISK-{device.code}" in records
    assert "F5 · C4" in records
    assert "Toutes les touches fonctionnent" in records
    assert workshop.technician.email in text
    assert "Certificat d'effacement (PDF)" in text


def test_a_grouped_or_scanned_code_redirects_to_the_device_page(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    device = workshop.receive()
    response = client.get(
        f"/devices/{device.code[:4].lower()}-{device.code[4:]}",
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/devices/{device.code}"


def test_forms_take_a_device_from_intake_to_available(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    device = received_on(db, workshop.receive(serial="FLOW-1"))  # before the erasure typed
    url = f"/devices/{device.code}"

    response = post(
        client,
        f"{url}/diagnosis",
        token,
        result="auto",
        notes="RAS",
        **passing_form(device.category),
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{url}?done=diagnosis"
    assert status_of(db, device) is DeviceStatus.DIAGNOSED
    diagnosis = db.scalar(select(DiagnosisRecord).where(DiagnosisRecord.device_id == device.id))
    assert diagnosis is not None
    assert (diagnosis.result, diagnosis.checks["battery_health"], diagnosis.checks["boots"]) == (
        "pass",
        88,
        True,
    )

    response = post(
        client,
        f"{url}/erasure",
        token,
        storage_serial="WD-123",
        storage_size_gb="256",
        method="PRNG Stream",
        nist_level="clear",
        tool="nwipe",
        tool_version="0.34",
        started_at="2026-11-20T09:00",
        ended_at="2026-11-20T10:30",
        result="erased",
        verification_method="Verify last pass",
        verified="yes",
        verifier_id=str(workshop.technician.id),
    )
    assert response.status_code == 303, response.text
    assert status_of(db, device) is DeviceStatus.WIPED
    erasure = db.scalar(select(ErasureRecord).where(ErasureRecord.device_id == device.id))
    assert erasure is not None
    assert erasure.storage_size_bytes == 256_000_000_000
    assert erasure.started_at is not None
    assert erasure.started_at.hour == 8  # typed as workshop time: 09:00 in Paris is 08:00 UTC

    response = post(client, f"{url}/grade", token, functional="F6", cosmetic="C7")
    assert response.status_code == 303
    db.refresh(device)
    assert (device.status, device.grade) == (DeviceStatus.GRADED, "A")

    page = client.get(url, headers=HTML).text
    assert '<option value="available">Disponible</option>' in page
    response = post(client, f"{url}/transition", token, to="available", note="prêt")
    assert response.status_code == 303
    assert status_of(db, device) is DeviceStatus.AVAILABLE
    assert "Statut modifié." in client.get(response.headers["location"], headers=HTML).text


def test_the_page_refuses_available_without_a_verified_erasure(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="NO-WIPE")
    workshop.diagnose(device)
    workshop.grade(device)
    assert device.status is DeviceStatus.GRADED
    page = client.get(f"/devices/{device.code}", headers=HTML).text
    assert '<option value="available">' not in page  # not offered…
    assert "protection des données" in page  # …and the page says why

    response = post(
        client, f"/devices/{device.code}/transition", token, to="available", note="forcing it"
    )
    assert response.status_code == 409
    assert "protection des données : le stockage" in response.text
    assert 'value="forcing it"' in response.text
    assert status_of(db, device) is DeviceStatus.GRADED


def test_a_refused_record_keeps_what_was_typed(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="KEEP-2")
    response = post(
        client,
        f"/devices/{device.code}/erasure",
        token,
        storage_serial="SSD-KEEP",
        method="PRNG Stream",
        nist_level="clear",
        tool="nwipe",
        result="erased",
        verified="yes",
    )
    assert response.status_code == 422
    assert "verified" in response.text
    assert 'value="SSD-KEEP"' in response.text
    assert db.scalar(select(ErasureRecord).where(ErasureRecord.device_id == device.id)) is None

    incomplete = passing_form(device.category)
    del incomplete["check_keyboard"]
    incomplete["check_battery_health"] = "130"
    response = post(client, f"/devices/{device.code}/diagnosis", token, **incomplete)
    assert response.status_code == 422
    assert "keyboard" in response.text
    assert "battery_health" in response.text
    assert 'name="check_boots" value="yes" checked' in response.text
    assert status_of(db, device) is DeviceStatus.RECEIVED


def test_nwipe_log_upload(client: TestClient, db: Session, workshop: Workshop, token: str) -> None:
    device = received_on(db, workshop.receive(serial="NWIPE-1"))
    log = (Path(__file__).parent / "fixtures" / "nwipe-erased.log").read_bytes()
    response = client.post(
        f"/devices/{device.code}/erasure-log",
        data={"csrf_token": token},
        files={"log": ("nwipe.log", log, "text/plain")},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert status_of(db, device) is DeviceStatus.WIPED
    empty = client.post(
        f"/devices/{device.code}/erasure-log", data={"csrf_token": token}, headers=HTML
    )
    assert empty.status_code == 422


def test_repair_hold_release_and_move(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="REP-1")
    second_site = make_site(db, organization=workshop.organization)
    url = f"/devices/{device.code}"
    assert (
        post(
            client,
            f"{url}/repairs",
            token,
            description="Battery swap",
            parts="Batterie 45 Wh × 1\nVis x 4\nPâte thermique",
            minutes="35",
        ).status_code
        == 303
    )
    repair = db.scalar(select(RepairRecord).where(RepairRecord.device_id == device.id))
    assert repair is not None
    assert repair.parts == [
        {"name": "Batterie 45 Wh", "quantity": 1},
        {"name": "Vis", "quantity": 4},
        {"name": "Pâte thermique", "quantity": 1},
    ]
    assert repair.minutes == 35

    assert post(client, f"{url}/hold", token, reason="").status_code == 422
    assert post(client, f"{url}/hold", token, reason="awaiting a charger").status_code == 303
    db.refresh(device)
    assert device.hold_reason == "awaiting a charger"
    assert "awaiting a charger" in client.get(url, headers=HTML).text
    assert post(client, f"{url}/release", token).status_code == 303
    db.refresh(device)
    assert device.hold_reason is None

    assert post(client, f"{url}/move", token, site_id=str(second_site.id)).status_code == 303
    db.refresh(device)
    assert device.site_id == second_site.id


# --- downloads -----------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_label_and_certificate_downloads(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="PDF-SERIAL-1")
    label = client.get(f"/devices/{device.code}/label?template=brother-dk11209", headers=HTML)
    assert label.status_code == 200
    assert label.headers["content-type"] == "application/pdf"
    assert format_code(device.code) in _pdf_text(label.content)

    refused = client.get(f"/devices/{device.code}/erasure-certificate.pdf", headers=HTML)
    assert refused.status_code == 409
    workshop.wipe(device)
    certificate = client.get(f"/devices/{device.code}/erasure-certificate.pdf", headers=HTML)
    assert certificate.status_code == 200
    text = _pdf_text(certificate.content)
    assert "Certificat d'effacement" in text  # the visitor's language, French by default
    assert f"DISK-{device.code}" in text

    unknown_stock = client.get(f"/devices/{device.code}/label?template=nope", headers=HTML)
    assert unknown_stock.status_code == 422


def test_every_checklist_item_has_a_translatable_name() -> None:
    for items in CHECKLISTS.values():
        for item in items:
            assert LABELS.get(item.name) == item.label


def test_statuses_and_categories_are_shown_in_words() -> None:
    for value in (*DeviceStatus, *Category):
        assert value.value in LABELS
    assert OrgKind.DONOR.value in LABELS
