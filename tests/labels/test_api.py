"""Label endpoints: the stock list, one device's label, batches; scoped like the devices."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.errors import Forbidden, InvalidInput
from collecte.devices.codes import format_code
from collecte.labels import service
from collecte.labels.stocks import get_stock
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop
from tests.labels.helpers import decode, label_image, rasterise


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def _decoded(pdf: bytes, dpi: int) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        image = page.render(scale=dpi / 72).to_pil()
        found += [
            r.text
            for r in zxingcpp.read_barcodes(image)
            if r.format == zxingcpp.BarcodeFormat.Code128
        ]
    return found


def test_templates_list_every_stock(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    stocks = client.get(
        "/api/v1/labels/templates", headers=auth_headers(settings, workshop.technician)
    ).json()
    assert {s["id"] for s in stocks} >= {
        "brother-dk11209",
        "brother-dk11201",
        "avery-l7651",
        "zebra-2x1-203",
    }
    zebra = next(s for s in stocks if s["id"] == "zebra-2x1-203")
    assert zebra["kind"] == "zpl"
    assert {"name", "width_mm", "height_mm"} <= set(zebra)


def test_device_label_decodes_to_its_code(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive(serial="PF-LABEL-9")
    response = client.get(
        f"/api/v1/devices/{device.code}/label.pdf?template=brother-dk11209",
        headers=auth_headers(settings, workshop.technician),
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert _decoded(response.content, 300) == [device.code]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert format_code(device.code) in text
    assert "PF-LABEL-9" in text


def test_batch_on_a_sheet_and_as_zpl(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    devices = [workshop.receive(serial=f"BATCH-{i}") for i in range(7)]
    headers = auth_headers(settings, workshop.technician)
    sheet = client.post(
        "/api/v1/labels",
        json={"codes": [d.code for d in devices], "template": "avery-l7651", "skip": 4},
        headers=headers,
    )
    assert sheet.status_code == 200, sheet.text
    # The four used labels stay blank; the batch starts on the fifth, in the order given.
    avery = get_stock("avery-l7651")
    (page,) = rasterise(sheet.content, avery.dpi)
    printed = [decode(label_image(avery, page, slot)) for slot in range(4 + len(devices))]
    assert printed == [[]] * 4 + [[d.code] for d in devices]
    zpl = client.post(
        "/api/v1/labels",
        json={"codes": [d.code for d in devices[:2]], "template": "zebra-2x1-203"},
        headers=headers,
    )
    assert zpl.status_code == 200
    assert zpl.headers["content-type"].startswith("text/plain")
    assert zpl.text.count("^XA") == 2


def test_batch_errors(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    headers = auth_headers(settings, workshop.technician)
    skip_too_far = client.post(
        "/api/v1/labels",
        json={"codes": [device.code], "template": "avery-l7651", "skip": 65},
        headers=headers,
    )
    assert skip_too_far.status_code == 422
    bad_code = client.post(
        "/api/v1/labels",
        json={"codes": [device.code, "ZZZZ"], "template": "avery-l7651"},
        headers=headers,
    )
    assert bad_code.status_code == 422
    assert "ZZZZ" in bad_code.json()["detail"]
    unknown_stock = client.post(
        "/api/v1/labels", json={"codes": [device.code], "template": "dymo"}, headers=headers
    )
    assert unknown_stock.status_code == 422
    stranger = make_user(db, role=Role.TECHNICIAN)
    hidden = client.post(
        "/api/v1/labels", json={"codes": [device.code]}, headers=auth_headers(settings, stranger)
    )
    assert hidden.status_code == 404
    assert (
        client.get(
            f"/api/v1/devices/{device.code}/label.pdf", headers=auth_headers(settings, stranger)
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.DONOR, Role.AUDITOR])
def test_label_printing_is_workshop_work(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings, role: Role
) -> None:
    device = workshop.receive()
    reader = make_user(db, role=role, organization=workshop.donor if role is Role.DONOR else None)
    headers = auth_headers(settings, reader)
    # Both may read the device; neither may label it, by the API or the CLI's bulk selection.
    assert client.get(f"/api/v1/devices/{device.code}", headers=headers).status_code == 200
    assert (
        client.get(f"/api/v1/devices/{device.code}/label.pdf", headers=headers).status_code == 403
    )
    batch = client.post("/api/v1/labels", json={"codes": [device.code]}, headers=headers)
    assert batch.status_code == 403
    with pytest.raises(Forbidden):
        service.devices_by_filter(db, viewer=reader, status=None, limit=10)


def test_bulk_selection_keeps_to_the_batch_limit(db: Session, workshop: Workshop) -> None:
    workshop.receive()
    viewer = workshop.technician
    assert len(service.devices_by_filter(db, viewer=viewer, status=None, limit=1)) == 1
    with pytest.raises(InvalidInput):
        service.devices_by_filter(db, viewer=viewer, status=None, limit=service.MAX_LABELS + 1)
