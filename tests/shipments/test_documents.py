"""The delivery note and the hand-over receipt: what they say, their barcodes as printed, issued
once, and who may download them."""

from __future__ import annotations

import hashlib
import io
from itertools import groupby
from typing import Any

import pytest
import zxingcpp
from babel.dates import format_date
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.forms import LOCAL_ZONE
from collecte.devices.checklists import Category
from collecte.devices.codes import format_code
from collecte.devices.models import Device
from collecte.documents.models import Document
from collecte.labels.code128 import encode
from collecte.orgs.models import OrgKind
from collecte.shipments import service as shipments
from collecte.shipments.models import Handover, Shipment
from collecte.shipments.schemas import Missing
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow
from tests.labels.helpers import decode, rasterise

LEGAL_NAME = "Atelier Solidaire SCIC SAS"
SIRET = "12345678901234"
CODE128 = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.Code128)


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture
def flow(db: Session) -> PartnerFlow:
    workshop = Workshop(db)
    workshop.organization.legal_name = LEGAL_NAME
    workshop.organization.siret = SIRET
    flow = PartnerFlow(workshop)
    flow.partner.name = "Association Les Liens"
    flow.partner.address = "3 place de l'Entraide"
    db.flush()
    return flow


def _shipped(flow: PartnerFlow, count: int) -> tuple[Shipment, list[Device]]:
    devices = flow.available(count)
    request = flow.request([{"category": "laptop", "quantity": count}])
    shipment = flow.ship(request, flow.allocate(request))
    return shipment, devices


def _note_url(shipment: Shipment) -> str:
    return f"/api/v1/shipments/{shipment.id}/delivery-note.pdf"


def test_the_delivery_note_names_both_parties_the_numbers_and_every_device(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    shipment, devices = _shipped(flow, 3)
    response = client.get(_note_url(shipment), headers=auth_headers(settings, flow.partner_user))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = _text(response.content)
    assert f"Bon de livraison — expédition n° {shipment.id}" in text
    assert f"Émis par : {LEGAL_NAME}" in text
    assert f"SIRET {SIRET}" in text
    assert "Association Les Liens" in text
    assert "3 place de l'Entraide" in text
    assert f"Demande n° {shipment.request_id} · expédition n° {shipment.id} · 3 appareil(s)" in text
    assert "Expédiée le" in text
    assert "(heure de Paris)" in text
    for device in devices:
        assert format_code(device.code) in text
        assert device.serial in text
    assert "Ordinateur portable" in text
    assert "Reçu par Association Les Liens" in text
    assert "Réserves" in text
    assert "Code de vérification" in text


def test_every_barcode_of_a_long_note_decodes_at_300_dpi(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    shipment, devices = _shipped(flow, 52)
    response = client.get(_note_url(shipment), headers=auth_headers(settings, flow.coordinator))
    assert response.status_code == 200, response.text
    pages = rasterise(response.content, 300)
    assert len(pages) >= 3  # 52 rows do not fit on one page: the table goes on, header repeated
    found = [code for page in pages for code in decode(page)]
    assert sorted(found) == sorted(d.code for d in devices)  # each once, bare 8 characters
    for result in zxingcpp.read_barcodes(pages[0], formats=CODE128):
        assert _printed_runs(pages[0], result) == _symbol_runs(result.text)


def _printed_runs(page: Image.Image, result: Any) -> list[int]:
    """The widths, in dots, of the bars and spaces of a decoded symbol halfway down it."""
    at = result.position
    y = (at.top_left.y + at.bottom_left.y) // 2
    left, right = min(at.top_left.x, at.bottom_left.x), max(at.top_right.x, at.bottom_right.x)
    pixels = list(page.crop((left - 6, y, right + 6, y + 1)).tobytes())  # within quiet zones
    # Bars on whole dots rasterise to pure black and white; an edge off the grid comes out grey.
    # (pdfium's single-precision maths leaves 1/255 at some edges.)
    assert [v for v in pixels if 2 < v < 253] == []
    row = [v < 128 for v in pixels]
    first, last = row.index(True), len(row) - 1 - row[::-1].index(True)
    return [len(list(run)) for _dark, run in groupby(row[first : last + 1])]


def _symbol_runs(code: str) -> list[int]:
    """The widths the symbol asks for at 3 dots a module (0.254 mm at 300 dpi)."""
    bars = encode(code).bars
    runs: list[int] = []
    for (start, width), following in zip(bars, [*bars[1:], None], strict=True):
        runs.append(3 * width)
        if following is not None:
            runs.append(3 * (following[0] - start - width))
    return runs


def test_the_note_is_issued_once_and_a_delivery_issues_a_new_version(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    shipment, devices = _shipped(flow, 2)
    headers = auth_headers(settings, flow.partner_user)
    first = client.get(_note_url(shipment), headers=headers)
    again = client.get(_note_url(shipment), headers=headers)
    assert again.content == first.content
    digest = hashlib.sha256(first.content).hexdigest()
    assert first.headers["X-Document-SHA256"] == again.headers["X-Document-SHA256"] == digest
    notes = select(Document).where(Document.kind == "delivery_note").order_by(Document.version)
    assert [(d.version, d.sha256) for d in db.scalars(notes)] == [(1, digest)]
    missing = devices[1]
    shipments.deliver_shipment(
        db,
        viewer=flow.partner_user,
        shipment=shipment,
        device_codes=[devices[0].code],
        missing=[Missing(device_code=missing.code, outcome="lost", reason="colis ouvert")],
    )
    delivered = client.get(_note_url(shipment), headers=headers)
    assert delivered.content != first.content
    assert delivered.headers["X-Document-Version"] == "2"
    text = _text(delivered.content)
    assert "1 reçu(s), 1 non reçu(s)" in text
    assert "non reçu : perdu (colis ouvert)" in text
    first_version, second = db.scalars(notes)
    assert second.supersedes_id == first_version.id
    assert first_version.content == first.content  # kept, byte for byte
    assert client.get(_note_url(shipment), headers=headers).content == delivered.content


def test_the_note_is_refused_before_dispatch(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    flow.available(1)
    request = flow.request()
    preparing = shipments.create_shipment(
        flow.db,
        viewer=flow.coordinator,
        request_id=request.id,
        device_codes=flow.allocate(request),
        carrier="",
    )
    response = client.get(_note_url(preparing), headers=auth_headers(settings, flow.coordinator))
    assert response.status_code == 409
    assert response.json()["code"] == "shipment_not_dispatched"


def test_the_note_in_english(client: TestClient, settings: Settings, flow: PartnerFlow) -> None:
    shipment, _ = _shipped(flow, 1)
    headers = auth_headers(settings, flow.partner_user)
    english = client.get(_note_url(shipment) + "?lang=en", headers=headers)
    text = _text(english.content)
    assert f"Delivery note — shipment no. {shipment.id}" in text
    assert "Dispatched on" in text
    assert "Laptop" in text
    for french in ("Bon de livraison", "Expédiée", "Ordinateur portable", "Réserves"):
        assert french not in text, french
    # Each language is a document of its own: the French one is not replaced by the English.
    assert "Bon de livraison" in _text(client.get(_note_url(shipment), headers=headers).content)


def _handed_over(flow: PartnerFlow, **extra: Any) -> tuple[Handover, Device]:
    (device,) = flow.available(1, **extra)
    flow.delivered(device)
    return flow.hand_over(device, "FAM-0042"), device


def _receipt_url(handover: Handover) -> str:
    return f"/api/v1/handovers/{handover.id}/receipt.pdf"


def test_the_receipt_states_the_device_its_erasure_and_the_warranty(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    handover, device = _handed_over(flow)
    handover.price_paid_eur = 30
    response = client.get(_receipt_url(handover), headers=auth_headers(settings, flow.partner_user))
    assert response.status_code == 200, response.text
    text = _text(response.content)
    assert f"Attestation de remise — appareil {format_code(device.code)}" in text
    assert "Bénéficiaire (pseudonyme) : FAM-0042" in text
    assert device.serial in text
    assert "NIST SP 800-88" in text
    assert "Clear (effacement)" in text
    assert "méthode PRNG Stream" in text
    assert "Verify Last Pass" in text
    assert "Garantie : 6 mois" in text
    assert "Retours :" in text
    assert "30,00" in text
    assert "Le bénéficiaire, FAM-0042" in text
    assert f"Émis par : {LEGAL_NAME}" in text
    assert flow.partner_user.email not in text  # people appear by role and pseudonym only
    assert decode(rasterise(response.content, 300)[0]) == [device.code]
    again = client.get(_receipt_url(handover), headers=auth_headers(settings, flow.partner_user))
    assert again.content == response.content


def test_the_warranty_is_a_setting(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    settings.warranty_months = 12
    handover, _ = _handed_over(flow)
    text = _text(
        client.get(
            _receipt_url(handover), headers=auth_headers(settings, flow.partner_user)
        ).content
    )
    assert "Garantie : 12 mois" in text
    # The end of the warranty in words, a year on: "7 décembre 2027", never "07/12/2027".
    day = handover.handed_over_at.astimezone(LOCAL_ZONE).date()
    until = format_date(day.replace(year=day.year + 1), "d MMMM y", locale="fr")
    assert f"jusqu’au {until}" in text or f"jusqu'au {until}" in text, text
    english = _text(
        client.get(
            _receipt_url(handover) + "?lang=en", headers=auth_headers(settings, flow.partner_user)
        ).content
    )
    assert format_date(day.replace(year=day.year + 1), "d MMMM y", locale="en") in english


def test_a_device_without_storage_is_said_to_have_none(
    client: TestClient, settings: Settings, flow: PartnerFlow
) -> None:
    handover, _ = _handed_over(flow, category=Category.MONITOR, has_storage=False, specs={})
    response = client.get(_receipt_url(handover), headers=auth_headers(settings, flow.partner_user))
    assert response.status_code == 200, response.text
    text = _text(response.content)
    assert "aucun support de stockage" in text
    assert "NIST" not in text


def test_another_partner_and_the_workshop_get_404(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    handover, _ = _handed_over(flow)
    shipment, _ = _shipped(flow, 1)
    other = make_user(
        db, role=Role.PARTNER, organization=make_organization(db, kind=OrgKind.PARTNER)
    )
    stranger = auth_headers(settings, other)
    assert client.get(_note_url(shipment), headers=stranger).status_code == 404
    assert client.get(_receipt_url(handover), headers=stranger).status_code == 404
    # The workshop ships the devices but never learns to whom the partner gave them.
    staff = auth_headers(settings, flow.coordinator)
    assert client.get(_receipt_url(handover), headers=staff).status_code == 404
    assert client.get(_note_url(shipment), headers=staff).status_code == 200
