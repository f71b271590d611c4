"""A technician takes a device from intake to available in Chromium, prints its label, scans it."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from collecte.auth.models import Role
from collecte.auth.service import create_user
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.devices.codes import format_code
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device, DiagnosisRecord, ErasureRecord, GradeRecord
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization, create_site
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "a workshop flow password"
EMAIL = "flow.technician@example.org"


def _seed(server: LiveServer) -> None:
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = create_organization(
                session,
                name="Atelier du Flux",
                kind=OrgKind.WORKSHOP,
                postcode="69007",
                city="Lyon",
            )
            create_site(
                session,
                organization_id=workshop.id,
                name="Lyon Gerland",
                postcode="69007",
                city="Lyon",
            )
            create_organization(
                session,
                name="Mutuelle Donatrice",
                kind=OrgKind.DONOR,
                postcode="69002",
                city="Lyon",
            )
            create_user(
                session,
                email=EMAIL,
                password=PASSWORD,
                role=Role.TECHNICIAN,
                organization_id=workshop.id,
            )
    finally:
        engine.dispose()


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_intake_to_available_then_label_and_scan(live_server: LiveServer, page: Any) -> None:
    _seed(live_server)
    base = live_server.base_url
    page.goto(f"{base}/login?next=/devices/new")
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # intake
    expect(page.get_by_role("heading", name="Réceptionner un appareil")).to_be_visible()
    page.get_by_label("Catégorie").select_option("laptop")
    page.get_by_label("Marque").fill("Dell")
    page.get_by_label("Modèle").fill("Latitude 7490")
    page.get_by_label("Numéro de série").fill("FLOW-7490")
    page.get_by_label("Contient un stockage").select_option("yes")
    page.get_by_label("Poids (kg)").fill("1,4")
    page.get_by_label("Mémoire (Go)").fill("16")
    page.locator("select[name=donor_id]").select_option(label="Mutuelle Donatrice (Lyon)")
    page.get_by_role("button", name="Réceptionner l'appareil", exact=True).click()
    expect(page).to_have_url(re.compile(r"/devices/[0-9A-Z]{8}\?done=intake$"))
    code = re.search(r"/devices/([0-9A-Z]{8})", page.url).group(1)  # type: ignore[union-attr]
    expect(page.locator("p.notice")).to_contain_text("Imprimez son étiquette")
    expect(page.locator("h1 .code")).to_have_text(format_code(code))
    expect(page.locator("h1 .status")).to_have_text("Reçu")

    # diagnosis: every check works
    diagnosis = page.locator("#diagnosis")
    for check in diagnosis.locator("fieldset.check-bool").all():
        check.locator("label", has_text="Oui").click()
    diagnosis.locator("input[name=check_battery_health]").fill("87")
    diagnosis.locator("fieldset.check-choice").locator("label", has_text="OK").click()
    diagnosis.get_by_label("Remarques").fill("Rien à signaler")
    diagnosis.get_by_role("button", name="Enregistrer le diagnostic").click()
    expect(page.locator("p.notice")).to_have_text("Diagnostic enregistré.")
    expect(page.locator("h1 .status")).to_have_text("Diagnostiqué")

    # erasure, verified
    erasure = page.locator("#erasure")
    erasure.get_by_label("Numéro de série du stockage").fill("SSD-FLOW-1")
    erasure.locator("input[name=method]").fill("PRNG Stream")
    erasure.locator("input[name=tool]").fill("nwipe")
    erasure.get_by_label("Méthode de vérification").fill("Verify last pass")
    erasure.get_by_label("L'effacement a été vérifié").check()
    erasure.get_by_role("button", name="Enregistrer l'effacement").click()
    expect(page.locator("p.notice")).to_have_text("Effacement enregistré.")
    expect(page.locator("h1 .status")).to_have_text("Effacé")

    # grade: the page previews the grade the two axes give
    grade = page.locator("#grade")
    grade.get_by_label("Fonctionnel").select_option("F5")
    grade.get_by_label("Esthétique").select_option("C6")
    expect(page.locator("#grade-preview")).to_have_text("A")
    grade.get_by_role("button", name="Enregistrer le grade").click()
    expect(page.locator("p.notice")).to_have_text("Grade enregistré.")
    expect(page.locator("h1 .status")).to_have_text("Gradé")
    expect(page.locator("h1 .grade")).to_have_text("A")

    # status change
    page.get_by_label("Nouveau statut").select_option(label="Disponible")
    page.get_by_role("button", name="Changer le statut").click()
    expect(page.locator("p.notice")).to_have_text("Statut modifié.")
    expect(page.locator("h1 .status")).to_have_text("Disponible")
    history = page.locator("#history")
    for event in ("Réception", "Diagnostic", "Effacement", "Grade", "Changement de statut"):
        expect(history).to_contain_text(event)

    engine = make_engine(live_server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            device = session.scalar(select(Device).where(Device.code == code))
            assert device is not None
            assert device.status is DeviceStatus.AVAILABLE
            assert (device.brand, device.serial, device.weight_kg, device.ram_gb) == (
                "Dell",
                "FLOW-7490",
                1.4,
                16,
            )
            for record in (DiagnosisRecord, ErasureRecord, GradeRecord):
                assert session.scalar(select(record).where(record.device_id == device.id))
    finally:
        engine.dispose()

    # the label, on the stock chosen in the page's print form
    form = page.locator("#print-label")
    form.get_by_label("Support d'étiquettes").select_option("brother-dk11209")
    with page.expect_popup() as popup:
        form.get_by_role("button", name="Imprimer l'étiquette").click()
    assert f"/devices/{code}/label?template=brother-dk11209" in popup.value.url
    label = page.request.get(f"{base}/devices/{code}/label?template=brother-dk11209")
    assert label.ok
    assert label.headers["content-type"] == "application/pdf"
    assert format_code(code) in _pdf_text(label.body())
    link = page.get_by_role("link", name="Certificat d'effacement (PDF)").get_attribute("href")
    certificate = page.request.get(f"{base}{link}")
    assert "SSD-FLOW-1" in _pdf_text(certificate.body())

    # and back at the scan station
    page.get_by_role("link", name="Poste de scan").click()
    expect(page.locator("#scan-input")).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-feedback")).to_have_attribute("data-state", "ok")
    expect(page.locator("#feedback-status")).to_have_text("Disponible")
    expect(page.locator("#feedback-code")).to_have_text(format_code(code))
