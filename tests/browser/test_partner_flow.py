"""The partner flow in Chromium: a partner asks for equipment; the coordinator approves and
allocates; a technician picks the parcel by scanning and dispatches it; the partner confirms a
partial delivery by scanning, records hand-overs, and opens the delivery note.

Screenshots of the pages a partner uses on a phone (390 px) and of the coordinator's queue are
written to $COLLECTE_SCREENSHOTS when it names a folder (to look at them), else to the test's
temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from collecte.auth.models import Role
from collecte.auth.service import create_user
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.devices import records
from collecte.devices.checklists import Category
from collecte.devices.codes import format_code
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.schemas import DeviceCreate
from collecte.devices.service import change_status, create_device
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization, create_site
from tests.browser.conftest import LiveServer
from tests.factories.devices import passing_checks

pytestmark = pytest.mark.browser

PASSWORD = "a partner flow password"
PARTNER = "accueil@association-lien.example.org"
COORDINATOR = "coordination@atelier-sud.example.org"
TECHNICIAN = "technicien@atelier-sud.example.org"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _seed(server: LiveServer) -> list[str]:
    """A workshop with three refurbished laptops in stock (their codes), its staff, and a partner
    it serves."""
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop = create_organization(
                session,
                name="Atelier Sud",
                kind=OrgKind.WORKSHOP,
                postcode="13003",
                city="Marseille",
            )
            site = create_site(
                session,
                organization_id=workshop.id,
                name="Marseille Arenc",
                postcode="13003",
                city="Marseille",
            )
            partner = create_organization(
                session,
                name="Association Lien",
                kind=OrgKind.PARTNER,
                postcode="13001",
                city="Marseille",
            )
            users = {}
            for email, role, organization in (
                (PARTNER, Role.PARTNER, partner),
                (COORDINATOR, Role.COORDINATOR, workshop),
                (TECHNICIAN, Role.TECHNICIAN, workshop),
            ):
                users[role] = create_user(
                    session,
                    email=email,
                    password=PASSWORD,
                    role=role,
                    organization_id=organization.id,
                )
            technician = users[Role.TECHNICIAN]
            codes = []
            for i, cosmetic in enumerate(("C4", "C4", "C6")):  # two B, one A
                device = create_device(
                    session,
                    actor=technician,
                    data=DeviceCreate.model_validate(
                        {
                            "category": "laptop",
                            "brand": "Dell",
                            "model": f"Latitude 54{90 + i}",
                            "serial": f"PF-SUD-{i}",
                            "has_storage": True,
                            "weight_kg": 1.7,
                            "site_id": site.id,
                            "specs": {"ram_gb": 8, "storage_gb": 256},
                        }
                    ),
                )
                records.record_diagnosis(
                    session,
                    device=device,
                    actor=technician,
                    result="pass",
                    checks=passing_checks(Category.LAPTOP),
                )
                records.record_erasure(
                    session,
                    device=device,
                    actor=technician,
                    storage_serial=f"SSD-SUD-{i}",
                    method="PRNG Stream",
                    nist_level="clear",
                    tool="nwipe",
                    result="erased",
                    verified=True,
                    verification_method="Verify Last Pass",
                )
                records.record_grade(
                    session, device=device, actor=technician, functional="F5", cosmetic=cosmetic
                )
                change_status(session, device=device, actor=technician, to=DeviceStatus.AVAILABLE)
                codes.append(device.code)
    finally:
        engine.dispose()
    return codes


def _statuses(server: LiveServer) -> dict[str, DeviceStatus]:
    engine = make_engine(server.settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            return {d.code: d.status for d in session.scalars(select(Device))}
    finally:
        engine.dispose()


def _signed_in(browser: Any, base: str, email: str) -> Any:
    context = browser.new_context(locale="fr-FR", viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_be_visible()
    return page


def _shots(page: Any, folder: Path, name: str) -> None:
    """The page as a phone shows it, then as a desktop does (full length)."""
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def _scan(page: Any, code: str) -> None:
    """What a keyboard-wedge scanner does: the characters of the label, then Enter."""
    expect(page.locator("#scan-input")).to_be_focused()
    page.keyboard.type(format_code(code))
    page.keyboard.press("Enter")


def test_partner_requests_workshop_allocates_ships_partner_confirms_and_hands_over(
    live_server: LiveServer, browser: Any, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("COLLECTE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    stock = _seed(live_server)
    base = live_server.base_url
    needed_by = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=20)

    # 1. the partner asks for three laptops and a tablet, then drops the tablet
    partner = _signed_in(browser, base, PARTNER)
    partner.locator("#nav-requests").click()
    partner.locator("#new-request").click()
    form = partner.locator("#request-form")
    form.locator("#line_0_category").select_option("laptop")
    form.locator("#line_0_quantity").fill("3")
    form.locator("#line_0_min_ram_gb").fill("8")
    form.locator("#line_0_min_grade").select_option("B")
    partner.locator("#add-line").click()
    form.locator("#line_1_category").select_option("tablet")
    form.locator("#line_1_quantity").fill("1")
    form.locator("#beneficiaries_count").fill("3")
    form.locator("#needed_by").fill(needed_by.isoformat())
    form.locator("#note").fill("Pour trois familles suivies par l'accueil de jour.")
    _shots(partner, folder, "request-form")
    partner.locator("#remove-line-1").click()
    expect(form.locator("#line_1_category")).to_have_count(0)
    expect(form.locator("#line_0_quantity")).to_have_value("3")
    partner.locator("#send-request").click()
    expect(partner).to_have_url(re.compile(r"/requests/\d+\?done=submitted$"))
    request_id = int(re.search(r"/requests/(\d+)", partner.url)[1])  # type: ignore[index]
    expect(partner.locator("#waiting-note")).to_be_visible()

    # 2. the coordinator approves from the queue, allocates the grade A laptop by scanning it at
    # the station (a sticky mode), then previews and runs best fit for the rest
    coordinator = _signed_in(browser, base, COORDINATOR)
    coordinator.locator("#nav-requests").click()
    expect(coordinator.locator(f"#request-{request_id}")).to_contain_text("Association Lien")
    _shots(coordinator, folder, "coordinator-queue")
    coordinator.locator(f"#approve-{request_id}").click()
    expect(coordinator.locator("#done")).to_be_visible()
    coordinator.goto(f"{base}/scan")
    coordinator.locator("#scan-mode").select_option("allocate")
    coordinator.locator("#scan-request").select_option(str(request_id))
    expect(coordinator.locator("#mode-banner")).to_contain_text(f"N° {request_id}")
    coordinator.reload()  # the mode sticks
    expect(coordinator.locator("#scan-request")).to_have_value(str(request_id))
    _scan(coordinator, stock[2])
    expect(coordinator.locator("#scan-feedback")).to_have_attribute("data-state", "ok")
    expect(coordinator.locator("#feedback-title")).to_contain_text(f"demande n° {request_id}")
    coordinator.goto(f"{base}/requests/{request_id}")
    planned = coordinator.locator("#plan .planned-devices a.code")
    expect(planned).to_have_count(2)  # the two grade B laptops: the most modest that meet it
    _shots(coordinator, folder, "allocation-preview")
    coordinator.locator("#allocate-submit").click()
    expect(coordinator.locator("#done")).to_be_visible()
    expect(coordinator.locator("#lines [data-count=allocated]")).to_have_text("3")

    # 3. the technician starts a parcel, picks two laptops by scanning, dispatches it
    technician = _signed_in(browser, base, TECHNICIAN)
    technician.locator("#nav-requests").click()
    technician.locator(f"#request-{request_id} a").first.click()
    technician.locator("#new-shipment").click()
    expect(technician).to_have_url(re.compile(r"/shipments/\d+\?done=created$"))
    shipment_url = technician.url.split("?")[0]
    codes = technician.locator("#to-pick li").evaluate_all(
        "(rows) => rows.map((r) => r.dataset.code)"
    )
    assert len(codes) == 3
    _scan(technician, "7K3QXMT0")  # a misread label
    expect(technician.locator("#scan-result")).to_have_attribute("data-beep", "error")
    for code in codes:
        _scan(technician, code)
        expect(technician.locator("#scan-result")).to_contain_text(format_code(code))
    expect(technician.locator("#picked li")).to_have_count(3)
    _shots(technician, folder, "picking")
    technician.locator("#dispatch-submit").click()
    expect(technician.locator("#done")).to_be_visible()
    assert {_statuses(live_server)[c] for c in codes} == {DeviceStatus.SHIPPED}

    # 4. the partner confirms two of the three: one is not in the parcel
    partner.locator("#nav-shipments").click()
    partner.locator("#shipments a").first.click()
    expect(partner).to_have_url(shipment_url)
    received, missing = codes[:2], codes[2]
    for code in received:
        _scan(partner, code)
        expect(partner.locator(f"#received-{code}")).to_be_checked()
    expect(partner.locator("#received-count .figure")).to_have_text("2")
    partner.locator(f"#reason-{missing}").select_option("not in the parcel")
    _shots(partner, folder, "delivery-confirmation")
    partner.locator("#confirm-delivery").click()
    expect(partner.locator("#done")).to_be_visible()
    statuses = _statuses(live_server)
    assert [statuses[c] for c in codes] == [
        DeviceStatus.DELIVERED,
        DeviceStatus.DELIVERED,
        DeviceStatus.RETURNED,
    ]

    # 5. hand-overs: one scanned, one picked from the list
    partner.locator("#nav-handovers").click()
    _scan(partner, received[0])
    expect(partner.locator("#scan-result")).to_contain_text("Latitude")
    expect(partner.locator("#beneficiary_ref")).to_be_focused()
    partner.keyboard.type("FAM-2031")
    partner.locator("#age_band").select_option("26_64")
    partner.locator("#situation").select_option("job_seeker")
    _shots(partner, folder, "handover-form")
    partner.locator("#record-handover").click()
    expect(partner.locator("#done")).to_be_visible()
    partner.locator(f"#waiting-{received[1]} a.code").click()
    partner.locator("#beneficiary_ref").fill("FAM-2032")
    partner.locator("#price_paid_eur").fill("20")
    partner.locator("#record-handover").click()
    expect(partner.locator("#recorded")).to_contain_text("FAM-2031")
    expect(partner.locator("#recorded")).to_contain_text("FAM-2032")
    statuses = _statuses(live_server)
    assert [statuses[c] for c in received] == [DeviceStatus.HANDED_OVER] * 2
    partner.goto(f"{base}/requests/{request_id}")
    expect(partner.locator("#lines [data-count=delivered]")).to_have_text("2")
    expect(partner.locator("#lines [data-count=returned]")).to_have_text("1")
    _shots(partner, folder, "request-followed")
    partner.locator("#nav-requests").click()
    expect(partner.locator(f"#request-{request_id} [data-count=delivered]")).to_contain_text("2")
    _shots(partner, folder, "my-requests")

    # 6. the delivery note the parcel carries, from the partner's shipment page (its session
    # cookie, not a bearer token)
    partner.goto(shipment_url)
    href = partner.locator("#delivery-note-link").get_attribute("href")
    assert href == f"/shipments/{shipment_url.rsplit('/', 1)[1]}/delivery-note.pdf"
    note = partner.request.get(base + href)
    status, content_type, body = note.status, note.headers["content-type"], note.body()
    for page in (partner, coordinator, technician):
        page.context.close()
    assert status == 200, status
    assert content_type == "application/pdf"
    assert body.startswith(b"%PDF")
