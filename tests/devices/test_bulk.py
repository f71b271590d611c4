"""Bulk intake: all or nothing, every bad row reported by its line number."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.core.events import Event
from collecte.devices.models import Device
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Device)) or 0


def _upload(client: TestClient, headers: dict[str, str], text: str) -> object:
    return client.post(
        "/api/v1/devices/import",
        files={"file": ("devices.csv", text.encode("utf-8"), "text/csv")},
        headers=headers,
    )


GOOD_CSV = """category,brand,model,serial,has_storage,weight_kg,ram_gb,storage_gb,cpu,screen_in
laptop,Lenovo,ThinkPad T470,PF-0001,oui,1.6,8,256,i5-7300U,14
smartphone,Samsung,Galaxy A52,IMEI-0001,yes,0.19,6,128,,6.5
monitor,Dell,P2419H,CN-0002,no,4.1,,,,24
"""


def test_csv_import_creates_every_row(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    before = _count(db)
    response = _upload(client, auth_headers(settings, workshop.technician), GOOD_CSV)
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["created"] == 3
    assert _count(db) == before + 3
    monitor = db.scalar(select(Device).where(Device.serial == "CN-0002"))
    assert monitor is not None
    assert (monitor.has_storage, monitor.screen_in, monitor.site_id) == (
        False,
        24,
        workshop.site.id,
    )


def test_semicolon_csv_with_bom_and_french_decimals(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    text = "\ufeffcategory;brand;model;serial;has_storage;weight_kg\nlaptop;HP;EliteBook 840;5CG-1;oui;1,45\n"
    response = _upload(client, auth_headers(settings, workshop.technician), text)
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    device = db.scalar(select(Device).where(Device.serial == "5CG-1"))
    assert device is not None
    assert device.weight_kg == pytest.approx(1.45)


def test_one_bad_row_writes_nothing_and_every_bad_row_is_named(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    before_devices = _count(db)
    before_events = db.scalar(select(func.count()).select_from(Event))
    text = (
        "category,brand,model,serial,has_storage,weight_kg\n"
        "laptop,Lenovo,T480,OK-1,yes,1.6\n"
        "toaster,Moulinex,X,OK-2,no,1\n"  # line 3: unknown category
        "laptop,Lenovo,T480,OK-3,maybe,1.6\n"  # line 4: has_storage unreadable
        "laptop,Lenovo,T480,OK-1,yes,-2\n"  # line 5: repeats line 2's serial, negative weight
        "laptop,Apple,MacBook,OK-6,yes,2\n"
    )
    response = _upload(client, auth_headers(settings, workshop.technician), text)
    assert response.status_code == 422  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["error"] == "bulk_rejected"
    assert "nothing was imported" in body["detail"]
    by_line = {row["line"]: " ".join(row["errors"]) for row in body["rows"]}
    assert set(by_line) == {3, 4, 5}
    assert "category" in by_line[3]
    assert "has_storage" in by_line[4]
    assert "repeats line 2" in by_line[5]
    assert "weight_kg" in by_line[5]
    assert _count(db) == before_devices
    assert db.scalar(select(func.count()).select_from(Event)) == before_events


def test_serial_already_registered_is_reported(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    existing = workshop.receive(serial="DUP-42")
    text = "category,brand,model,serial,has_storage\nlaptop,Lenovo,T480,DUP-42,yes\n"
    response = _upload(client, auth_headers(settings, workshop.technician), text)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert existing.code in response.json()["rows"][0]["errors"][0]  # type: ignore[attr-defined]


def test_import_cannot_set_a_status(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    """The data-protection invariant holds for imports: every device enters as received."""
    before = _count(db)
    rows = [
        {
            "category": "laptop",
            "brand": "HP",
            "model": "x",
            "serial": "ST-1",
            "has_storage": True,
            "status": "available",
        }
    ]
    response = client.post(
        "/api/v1/devices/bulk", json=rows, headers=auth_headers(settings, workshop.technician)
    )
    assert response.status_code == 422
    assert response.json()["rows"][0]["line"] == 1
    assert "status" in response.json()["rows"][0]["errors"][0]
    csv_text = "category,brand,model,serial,has_storage,status\nlaptop,HP,x,ST-2,yes,available\n"
    assert _upload(client, auth_headers(settings, workshop.technician), csv_text).status_code == 422  # type: ignore[attr-defined]
    assert _count(db) == before


def test_json_bulk_list(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    rows = [
        {
            "category": "tablet",
            "brand": "Apple",
            "model": "iPad 7",
            "serial": f"TB-{i}",
            "has_storage": True,
        }
        for i in range(25)
    ]
    response = client.post(
        "/api/v1/devices/bulk", json=rows, headers=auth_headers(settings, workshop.technician)
    )
    assert response.status_code == 201
    assert len(set(response.json()["codes"])) == 25


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("brand,model\nHP,x\n", "lacks column"),
        ("category,brand,model,has_storage,colour\nlaptop,HP,x,yes,red\n", "unknown column"),
        ("category,brand,model,has_storage\n", "no device"),
    ],
)
def test_malformed_files_are_422(
    client: TestClient, workshop: Workshop, settings: Settings, text: str, message: str
) -> None:
    response = _upload(client, auth_headers(settings, workshop.technician), text)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert message in response.json()["detail"]  # type: ignore[attr-defined]


def test_a_malformed_header_line_is_422(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    # Found by the OpenAPI fuzz (issue 9): the header was read outside the CSV error handling,
    # so a carriage return inside an unquoted column name was a 500.
    text = "category,br\rand,model,has_storage\nlaptop,HP,x,yes\n"
    response = _upload(client, auth_headers(settings, workshop.technician), text)
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    assert response.json()["code"] == "malformed_csv"  # type: ignore[attr-defined]
    assert "line 1" in response.json()["detail"]  # type: ignore[attr-defined]


def test_non_utf8_file_is_422(client: TestClient, workshop: Workshop, settings: Settings) -> None:
    response = client.post(
        "/api/v1/devices/import",
        files={"file": ("d.csv", "category,brand\nlaptop,Hé\n".encode("latin-1"), "text/csv")},
        headers=auth_headers(settings, workshop.technician),
    )
    assert response.status_code == 422


def test_openapi_documents_the_bulk_rows_as_devices(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/devices/bulk"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["items"] == {"$ref": "#/components/schemas/DeviceCreate"}
    answer = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/BulkIntakeOut"}
