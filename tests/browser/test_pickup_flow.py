"""A donor books a pickup in Chromium; the coordinator plans and collects it; the workshop receives
its devices; the reconciliation shows what is missing; the donor downloads its documents."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from collecte.auth.models import Role, User
from collecte.auth.service import create_user
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.devices import records
from collecte.devices.models import Device
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization, create_site
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "a pickup flow password"
DONOR = "it@banque-solidaire.example.org"
OTHER_DONOR = "it@autre-donateur.example.org"
COORDINATOR = "coordination@atelier-nord.example.org"
TECHNICIAN = "technicien@atelier-nord.example.org"
INVENTORY = (
    "Numéro de série;Modèle\nINV-001;Latitude 7490\nINV-002;Latitude 7490\nINV-003;iPhone 8\n"
)


def _seed(server: LiveServer) -> None:
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = create_organization(
                session, name="Atelier Nord", kind=OrgKind.WORKSHOP, postcode="59000", city="Lille"
            )
            create_site(
                session,
                organization_id=workshop.id,
                name="Lille Fives",
                postcode="59000",
                city="Lille",
            )
            donor = create_organization(
                session, name="Banque Solidaire", kind=OrgKind.DONOR, postcode="59800", city="Lille"
            )
            other = create_organization(
                session, name="Autre Donateur", kind=OrgKind.DONOR, postcode="62000", city="Arras"
            )
            for email, role, organization in (
                (DONOR, Role.DONOR, donor),
                (OTHER_DONOR, Role.DONOR, other),
                (COORDINATOR, Role.COORDINATOR, workshop),
                (TECHNICIAN, Role.TECHNICIAN, workshop),
            ):
                create_user(
                    session,
                    email=email,
                    password=PASSWORD,
                    role=role,
                    organization_id=organization.id,
                )
    finally:
        engine.dispose()


def _signed_in(browser: Any, base: str, email: str) -> Any:
    """A new browser context (its own cookies) signed in as this person."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_be_visible()
    return page


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _erase_every_storage(server: LiveServer, pickup_id: int) -> None:
    """The erasures are recorded as the workshop flow test records them in the browser."""
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            devices = session.scalars(select(Device).where(Device.pickup_id == pickup_id)).all()
            technician = session.scalars(select(User).where(User.email == TECHNICIAN)).one()
            for device in devices:
                if device.has_storage:
                    records.record_erasure(
                        session,
                        device=device,
                        actor=technician,
                        storage_serial=f"SSD-{device.serial}",
                        method="PRNG Stream",
                        nist_level="clear",
                        tool="nwipe",
                        result="erased",
                        verified=True,
                        verification_method="Verify Last Pass",
                    )
    finally:
        engine.dispose()


def test_donor_books_coordinator_collects_workshop_receives_donor_downloads(
    live_server: LiveServer, browser: Any, tmp_path: Any
) -> None:
    _seed(live_server)
    base = live_server.base_url
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)

    # 1. the donor books, with its inventory file
    donor = _signed_in(browser, base, DONOR)
    donor.locator("#nav-book-pickup").click()
    form = donor.locator("#booking-form")
    form.locator("#address").fill("3 rue Nationale")
    form.locator("#postcode").fill("59800")
    form.locator("#city").fill("Lille")
    form.locator("#building").fill("Tour B")
    form.locator("#floor").fill("4")
    form.locator("#has_elevator").check()
    form.locator("#access_notes").fill("Badge à l'accueil")
    form.locator("#contact_name").fill("Claire Dubois")
    form.locator("#contact_email").fill("claire.dubois@banque-solidaire.example.org")
    form.locator("#contact_phone").fill("03 20 00 00 00")
    form.locator("#window_date_0").fill(day.isoformat())
    form.locator("#window_start_0").fill("09:00")
    form.locator("#window_end_0").fill("12:00")
    form.locator("#qty_laptop").fill("2")
    form.locator("#qty_smartphone").fill("1")
    form.locator("#estimated_weight_kg").fill("6")
    inventory = tmp_path / "inventaire.csv"
    inventory.write_text(INVENTORY, encoding="utf-8")
    form.locator("#inventory").set_input_files(str(inventory))
    form.locator("#submit-booking").click()
    expect(donor).to_have_url(re.compile(r"/pickups/\d+\?done="))
    expect(donor.locator("#done")).to_be_visible()
    pickup_id = int(re.search(r"/pickups/(\d+)", donor.url).group(1))  # type: ignore[union-attr]

    # another donor cannot open it
    stranger = _signed_in(browser, base, OTHER_DONOR)
    assert stranger.goto(f"{base}/pickups/{pickup_id}").status == 404
    assert stranger.request.get(f"{base}/pickups/{pickup_id}/reconciliation").status == 404
    stranger.context.close()

    # 2. the coordinator finds it on the board, schedules and collects it
    coordinator = _signed_in(browser, base, COORDINATOR)
    coordinator.locator("#nav-pickups").click()
    card = coordinator.locator(f"#column-requested #pickup-{pickup_id}")
    expect(card).to_contain_text("Banque Solidaire")
    card.get_by_role("link").first.click()
    expect(coordinator).to_have_url(re.compile(rf"/pickups/{pickup_id}$"))
    plan = coordinator.locator("#schedule-form")
    plan.locator("[name=date]").fill(day.isoformat())
    plan.locator("[name=window_start]").fill("09:30")
    plan.locator("[name=window_end]").fill("11:00")
    plan.locator("[name=vehicle]").fill("Kangoo 1")
    coordinator.locator("#schedule-submit").click()
    expect(coordinator.locator("#done")).to_be_visible()
    expect(coordinator.locator("#plan")).to_contain_text("Kangoo 1")
    collect = coordinator.locator("#collect-form")
    collect.locator("[name=count_laptop]").fill("2")
    collect.locator("[name=count_smartphone]").fill("1")
    collect.locator("[name=weight_kg]").fill("5,5")
    collect.locator("[name=released_by]").fill("Claire Dubois")
    collect.locator("[name=received_by]").fill("Karim Benali")
    coordinator.locator("#collect-submit").click()
    expect(coordinator.locator("#done")).to_be_visible()
    expect(coordinator.locator("#collection")).to_contain_text("Karim Benali")

    # 3. the workshop receives two of the three declared devices, and one it did not expect
    technician = _signed_in(browser, base, TECHNICIAN)
    technician.goto(f"{base}/pickups/{pickup_id}")
    technician.locator("#receive-devices").click()
    expect(technician).to_have_url(re.compile(rf"/devices/new\?pickup_id={pickup_id}$"))
    for category, serial, storage in (
        ("laptop", "INV-001", "yes"),
        ("smartphone", "INV-003", "yes"),
        ("laptop", "SURPRISE-9", "yes"),
    ):
        technician.get_by_label("Catégorie").select_option(category)
        technician.get_by_label("Marque").fill("Dell" if category == "laptop" else "Apple")
        technician.get_by_label("Modèle").fill(
            "Latitude 7490" if category == "laptop" else "iPhone 8"
        )
        technician.get_by_label("Numéro de série").fill(serial)
        technician.get_by_label("Contient un stockage").select_option(storage)
        expect(technician.locator("select[name=pickup_id]")).to_have_value(str(pickup_id))
        technician.get_by_role("button", name="Réceptionner et saisir le suivant").click()
        expect(technician.locator("div.notice.ok")).to_contain_text(
            "Latitude 7490" if category == "laptop" else "iPhone 8"
        )

    # 4. the reconciliation shows what is missing and what was not declared
    coordinator.goto(f"{base}/pickups/{pickup_id}")
    coordinator.locator("#reconciliation-link").click()
    expect(coordinator.locator("#missing-serials")).to_contain_text("INV-002")
    expect(coordinator.locator("#missing-serials")).not_to_contain_text("INV-001")
    expect(coordinator.locator("#unexpected-serials")).to_contain_text("SURPRISE-9")
    expect(coordinator.locator("#by-category")).to_be_visible()

    # 5. once every storage is erased, the donor downloads proof, receipt data and certificate
    _erase_every_storage(live_server, pickup_id)
    donor.goto(base + "/")
    expect(donor.locator(f"#donor-pickup-{pickup_id}")).to_be_visible()
    donor.goto(f"{base}/pickups/{pickup_id}")
    documents = donor.locator("#documents")
    proof = donor.request.get(base + documents.locator("#proof-link").get_attribute("href"))
    assert proof.headers["content-type"] == "application/pdf"
    proof_text = _pdf_text(proof.body())
    assert "Banque Solidaire" in proof_text
    assert "Karim Benali" in proof_text
    donor.locator("#receipt-link").click()
    expect(donor.locator("#receipt-total")).to_contain_text("3")
    donor.go_back()
    certificate_href = documents.locator("#certificate-link").get_attribute("href")
    certificate = donor.request.get(base + certificate_href)
    assert certificate.headers["content-type"] == "application/pdf"
    certificate_text = _pdf_text(certificate.body())
    for serial in ("SSD-INV-001", "SSD-INV-003", "SURPRISE-9"):
        assert serial in certificate_text
    # and the other donor still sees none of it
    stranger = _signed_in(browser, base, OTHER_DONOR)
    assert stranger.request.get(base + certificate_href).status == 404
    assert stranger.request.get(f"{base}/pickups/{pickup_id}/collection-proof.pdf").status == 404
    expect(stranger.locator("body")).not_to_contain_text("Banque Solidaire")
    for page in (donor, coordinator, technician, stranger):
        page.context.close()
