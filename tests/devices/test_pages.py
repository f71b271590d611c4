"""The device pages: list, intake, CSV import, the device page and its forms, downloads, scans."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.core.vocabulary import LABELS
from collecte.devices.checklists import CHECKLISTS, Category
from collecte.devices.codes import check_character, format_code
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device, DiagnosisRecord, ErasureRecord, RepairRecord
from collecte.orgs.models import OrgKind
from tests.factories.accounts import PASSWORD, make_organization, make_site, make_user
from tests.factories.devices import Workshop

HTML = {"Accept": "text/html"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, user: User) -> str:
    """Sign in through the form; the CSRF token of the new session."""
    token = csrf_of(client.get("/login", headers=HTML).text)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    return csrf_of(client.get("/", headers=HTML).text)


def post(client: TestClient, url: str, token: str, **data: Any) -> Any:
    return client.post(
        url, data={"csrf_token": token, **data}, headers=HTML, follow_redirects=False
    )


def status_of(db: Session, device: Device) -> DeviceStatus:
    """The device's status as stored now."""
    db.refresh(device)
    return device.status


def device_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Device)) or 0


def passing_form(category: Category) -> dict[str, str]:
    """The diagnosis form filled as a technician would when everything works."""
    values = {}
    for item in CHECKLISTS[category]:
        if item.kind == "bool":
            values[f"check_{item.name}"] = "yes"
        elif item.kind == "percent":
            values[f"check_{item.name}"] = "88"
        elif item.kind == "choice":
            values[f"check_{item.name}"] = item.choices[0]
    return values


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


@pytest.fixture
def token(client: TestClient, workshop: Workshop) -> str:
    """The workshop's technician is signed in."""
    return sign_in(client, workshop.technician)


# --- list ----------------------------------------------------------------------------------------


def test_list_filters_and_search(client: TestClient, workshop: Workshop, token: str) -> None:
    laptop = workshop.receive(serial="LAP-001")
    phone = workshop.receive(
        category=Category.SMARTPHONE, serial="PH-002", brand="Samsung", model="Galaxy A52"
    )
    ready = workshop.receive(serial="LAP-003")
    workshop.make_available(ready)

    def listed(query: str) -> set[str]:
        page = client.get(f"/devices{query}", headers=HTML)
        assert page.status_code == 200
        return {c for c in (laptop.code, phone.code, ready.code) if f"/devices/{c}" in page.text}

    assert listed("") == {laptop.code, phone.code, ready.code}
    assert listed("?status=available") == {ready.code}
    assert listed("?category=smartphone") == {phone.code}
    assert listed("?q=galaxy") == {phone.code}
    assert listed("?q=LAP-00") == {laptop.code, ready.code}
    assert listed(f"?site_id={workshop.site.id}&status=received") == {laptop.code, phone.code}
    page = client.get("/devices?status=available", headers=HTML)
    assert 'class="badge status status-available"' in page.text
    assert format_code(ready.code) in page.text

    scanned = client.get(
        f"/devices?q={format_code(phone.code)}", headers=HTML, follow_redirects=False
    )
    assert scanned.status_code == 303
    assert scanned.headers["location"] == f"/devices/{phone.code}"


def test_list_shows_fifty_devices_a_page(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    for n in range(51):
        workshop.receive(serial=f"BULK-{n:03}")
    first = client.get("/devices", headers=HTML).text
    second = client.get("/devices?page=2", headers=HTML).text
    assert first.count('<a class="code" href="/devices/') == 50
    assert second.count('<a class="code" href="/devices/') == 1
    assert "BULK-000" in second  # newest first: the first one received is on the last page
    assert 'href="/devices?page=2"' in first


# --- intake --------------------------------------------------------------------------------------


def test_intake_form_creates_a_device_and_redirects(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    form = client.get("/devices/new", headers=HTML)
    assert form.status_code == 200
    assert workshop.site.name in form.text
    assert workshop.donor.name in form.text
    response = post(
        client,
        "/devices/new",
        token,
        category="laptop",
        brand="Dell",
        model="Latitude 5490",
        serial="DL-5490-XYZ",
        has_storage="yes",
        weight_kg="1,7",
        ram_gb="8",
        storage_gb="256",
        cpu="Intel Core i5",
        screen_in="14",
        site_id=str(workshop.site.id),
        donor_id=str(workshop.donor.id),
    )
    assert response.status_code == 303
    device = db.scalar(select(Device).where(Device.serial == "DL-5490-XYZ"))
    assert device is not None
    assert response.headers["location"] == f"/devices/{device.code}?done=intake"
    assert (device.brand, device.weight_kg, device.ram_gb, device.screen_in) == ("Dell", 1.7, 8, 14)
    assert device.donor_id == workshop.donor.id
    page = client.get(response.headers["location"], headers=HTML)
    assert format_code(device.code) in page.text
    assert "Imprimer l'étiquette" in page.text
    assert f'action="/devices/{device.code}/label"' in page.text


def test_intake_receive_and_next_keeps_category_site_and_donor(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    response = post(
        client,
        "/devices/new",
        token,
        category="tablet",
        brand="Apple",
        model="iPad 6",
        has_storage="yes",
        site_id=str(workshop.site.id),
        donor_id=str(workshop.donor.id),
        then="next",
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/devices/new?")
    page = client.get(location, headers=HTML).text
    code = db.scalar(select(Device.code).where(Device.model == "iPad 6"))
    assert code is not None
    assert format_code(code) in page
    assert '<option value="tablet" selected>' in page
    assert f'<option value="{workshop.donor.id}" selected>' in page


def test_intake_form_error_keeps_the_input(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    before = device_count(db)
    response = post(
        client,
        "/devices/new",
        token,
        category="laptop",
        brand="",
        model="ThinkPad X1 Carbon",
        serial="KEEP-ME-42",
        has_storage="yes",
        weight_kg="heavy",
        site_id=str(workshop.site.id),
    )
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in response.text
    assert "Saisissez un nombre." in response.text
    assert 'value="ThinkPad X1 Carbon"' in response.text
    assert 'value="KEEP-ME-42"' in response.text
    assert 'value="heavy"' in response.text
    assert device_count(db) == before

    other = make_site(workshop.db, organization=make_organization(workshop.db))
    refused = post(
        client,
        "/devices/new",
        token,
        category="monitor",
        brand="Dell",
        model="P2419H",
        has_storage="no",
        site_id=str(other.id),
    )
    assert refused.status_code == 422
    assert "is not one of your workshop" in refused.text
    assert 'value="P2419H"' in refused.text
    assert device_count(db) == before


def test_intake_is_workshop_work(client: TestClient, db: Session, workshop: Workshop) -> None:
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    sign_in(client, donor)
    assert client.get("/devices/new", headers=HTML).status_code == 403
    assert client.get("/devices/import", headers=HTML).status_code == 403


# --- CSV import ----------------------------------------------------------------------------------

GOOD_CSV = (
    "category,brand,model,serial,has_storage,weight_kg,ram_gb,storage_gb\n"
    'laptop,HP,EliteBook 840,CSV-HP-1,yes,"1,5",8,256\n'
    "monitor,Dell,P2419H,CSV-DELL-2,no,5.2,,\n"
)


def _import(client: TestClient, token: str, csv: str, form_id: str, **data: str) -> Any:
    return client.post(
        "/devices/import",
        data={"csrf_token": token, "form_id": form_id, **data},
        files={"file": ("devices.csv", csv.encode(), "text/csv")},
        headers=HTML,
    )


def test_csv_import_receives_every_row_and_offers_their_labels(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    form = client.get("/devices/import", headers=HTML)
    assert form.status_code == 200
    assert "has_storage" in form.text
    assert "category,brand,model" in form.text
    response = _import(
        client,
        token,
        GOOD_CSV,
        "form-1",
        site_id=str(workshop.site.id),
        donor_id=str(workshop.donor.id),
    )
    assert response.status_code == 200
    created = list(db.scalars(select(Device).where(Device.serial.like("CSV-%"))))
    assert len(created) == 2
    assert {d.site_id for d in created} == {workshop.site.id}
    assert {d.donor_id for d in created} == {workshop.donor.id}
    for device in created:
        assert format_code(device.code) in response.text
    assert "Appareils reçus : 2" in response.text
    assert 'action="/labels"' in response.text

    again = _import(client, token, GOOD_CSV, "form-1", site_id=str(workshop.site.id))
    assert again.status_code == 409
    assert db.scalar(select(func.count()).where(Device.serial.like("CSV-%"))) == 2


def test_csv_import_with_a_bad_row_imports_nothing(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    bad = GOOD_CSV + "toaster,Moulinex,T1,CSV-BAD-3,no,,,\nlaptop,Acer,Aspire,CSV-4,maybe,,,\n"
    before = device_count(db)
    response = _import(client, token, bad, "form-2", site_id=str(workshop.site.id))
    assert response.status_code == 422
    assert device_count(db) == before
    assert "Rien n'a été importé" in response.text
    lines = re.findall(r'<td class="line">(\d+)</td>', response.text)
    assert lines == ["4", "5"]
    assert "category" in response.text
    assert "has_storage" in response.text


# --- the device page -----------------------------------------------------------------------------


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
    device = workshop.receive(serial="FLOW-1")
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
    device = workshop.receive(serial="NWIPE-1")
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


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="CSRF-1")
    response = client.post(
        f"/devices/{device.code}/transition", data={"to": "in_repair"}, headers=HTML
    )
    assert response.status_code == 403
    forged = post(client, f"/devices/{device.code}/transition", "forged", to="in_repair")
    assert forged.status_code == 403
    assert status_of(db, device) is DeviceStatus.RECEIVED
    before = device_count(db)
    assert client.post("/devices/new", data={"category": "laptop"}, headers=HTML).status_code == 403
    assert device_count(db) == before


def test_a_donor_sees_its_own_devices_read_only(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    mine = workshop.receive(serial="MINE-1")
    other_workshop = Workshop(db)
    theirs = other_workshop.receive(serial="THEIRS-1")
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    token = sign_in(client, donor)

    page = client.get(f"/devices/{mine.code}", headers=HTML)
    assert page.status_code == 200
    assert format_code(mine.code) in page.text
    assert 'method="post" action="/devices/' not in page.text
    assert workshop.technician.email not in page.text
    listing = client.get("/devices", headers=HTML).text
    assert mine.code in listing
    assert theirs.code not in listing
    assert client.get(f"/devices/{theirs.code}", headers=HTML).status_code == 404
    assert post(client, f"/devices/{mine.code}/hold", token, reason="mine").status_code == 403


def test_a_technician_of_another_workshop_gets_404(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    device = workshop.receive(serial="OTHER-1")
    stranger = Workshop(db).technician
    token = sign_in(client, stranger)
    assert client.get(f"/devices/{device.code}", headers=HTML).status_code == 404
    assert (
        post(client, f"/devices/{device.code}/transition", token, to="in_repair").status_code == 404
    )
    assert client.get(f"/devices/{device.code}/label", headers=HTML).status_code == 404


def test_a_partner_sees_no_device(client: TestClient, db: Session, workshop: Workshop) -> None:
    device = workshop.receive(serial="PARTNER-1")
    sign_in(client, make_user(db, role=Role.PARTNER))
    assert device.code not in client.get("/devices", headers=HTML).text
    assert client.get(f"/devices/{device.code}", headers=HTML).status_code == 404


def test_an_invalid_code_is_not_an_unknown_one(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    device = workshop.receive()
    wrong = device.code[:7] + ("0" if device.code[7] != "0" else "1")
    assert client.get(f"/devices/{wrong}", headers=HTML).status_code == 422
    unknown = "ABCDEFG" + check_character("ABCDEFG")
    assert client.get(f"/devices/{unknown}", headers=HTML).status_code == 404


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
    assert "Erasure certificate" in text
    assert f"DISK-{device.code}" in text

    unknown_stock = client.get(f"/devices/{device.code}/label?template=nope", headers=HTML)
    assert unknown_stock.status_code == 422


# --- scan station --------------------------------------------------------------------------------


def test_scan_station_page(client: TestClient, db: Session, workshop: Workshop, token: str) -> None:
    page = client.get("/scan", headers=HTML)
    assert page.status_code == 200
    assert 'id="scan-input"' in page.text
    assert "autofocus" in page.text
    assert '"csrf": "' in page.text
    sign_in(client, make_user(db, role=Role.DONOR, organization=workshop.donor))
    assert client.get("/scan", headers=HTML).status_code == 403


def test_scan_submit_needs_the_csrf_header(
    client: TestClient, db: Session, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="SCAN-1")
    body = {"code": device.code.lower(), "action": "to:in_repair"}
    assert client.post("/scan/submit", json=body).status_code == 403
    assert (
        client.post("/scan/submit", json=body, headers={"X-CSRF-Token": "forged"}).status_code
        == 403
    )
    assert status_of(db, device) is DeviceStatus.RECEIVED

    headers = {"X-CSRF-Token": token}
    answer = client.post("/scan/submit", json=body, headers=headers)
    assert answer.status_code == 200
    data = answer.json()
    assert data["device"]["code"] == device.code
    assert data["device"]["status"] == "in_repair"
    assert data["device"]["status_label"] == "En réparation"
    assert data["applied"] == "to:in_repair"
    assert data["duplicate"] is False
    assert "print_label" in data["allowed_actions"]
    assert status_of(db, device) is DeviceStatus.IN_REPAIR

    again = client.post("/scan/submit", json=body, headers=headers).json()
    assert again["duplicate"] is True
    assert again["applied"] is None

    wrong = device.code[:7] + ("0" if device.code[7] != "0" else "1")
    invalid = client.post("/scan/submit", json={"code": wrong}, headers=headers)
    assert (invalid.status_code, invalid.json()["error"]) == (422, "invalid_code")
    unknown = client.post(
        "/scan/submit", json={"code": "ABCDEFG" + check_character("ABCDEFG")}, headers=headers
    )
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    refused = client.post(
        "/scan/submit", json={"code": device.code, "action": "to:shipped"}, headers=headers
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "invalid_transition")


def test_scan_submit_without_a_session_is_401(client: TestClient) -> None:
    answer = client.post("/scan/submit", json={"code": "X"}, headers={"X-CSRF-Token": "x"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "login_required"


def test_every_checklist_item_has_a_translatable_name() -> None:
    for items in CHECKLISTS.values():
        for item in items:
            assert LABELS.get(item.name) == item.label


def test_statuses_and_categories_are_shown_in_words() -> None:
    for value in (*DeviceStatus, *Category):
        assert value.value in LABELS
    assert OrgKind.DONOR.value in LABELS
