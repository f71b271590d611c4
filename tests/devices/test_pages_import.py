"""The device pages: receiving a batch of devices from a CSV file."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.devices.codes import format_code
from collecte.devices.models import Device
from tests.devices.pagehelpers import (
    HTML,
    device_count,
)
from tests.factories.devices import Workshop

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
    # Each problem names its column and is worded in the page's language.
    page = html.unescape(response.text)
    assert "category : Choisissez une des valeurs proposées." in page
    assert "has_storage : Répondez oui ou non." in page
    assert "Input should be" not in page
