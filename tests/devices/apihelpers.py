"""What the device API tests share: the technician's headers, a device received, a device taken
to graded, and an erasure record as posted."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from collecte.config import Settings
from collecte.devices.checklists import Category
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop, passing_checks


def technician_headers(settings: Settings, workshop: Workshop) -> dict[str, str]:
    return auth_headers(settings, workshop.technician)


def intake_device(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {
        "category": "laptop",
        "brand": "Dell",
        "model": "Latitude 5490",
        "serial": "CN-0XYZ",
        "has_storage": True,
        "weight_kg": 1.7,
        "specs": {"ram_gb": 8, "storage_gb": 256, "cpu": "i5-8350U", "screen_in": 14},
        **extra,
    }
    response = client.post("/api/v1/devices", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def to_graded(
    client: TestClient, headers: dict[str, str], code: str, category: str = "laptop"
) -> None:

    diag = client.post(
        f"/api/v1/devices/{code}/diagnosis",
        json={"result": "pass", "checks": passing_checks(Category(category)), "notes": "RAS"},
        headers=headers,
    )
    assert diag.status_code == 201, diag.text
    assert diag.json()["status"] == "diagnosed"
    graded = client.post(
        f"/api/v1/devices/{code}/grade",
        json={"functional": "F5", "cosmetic": "C7"},
        headers=headers,
    )
    assert graded.status_code == 201, graded.text
    assert graded.json() == {"grade": "A", "status": "graded", "code": code}


ERASURE = {
    "storage_serial": "S3Z9NB0K123456",
    "storage_make": "Samsung",
    "storage_model": "PM981 256GB",
    "method": "PRNG Stream",
    "nist_level": "clear",
    "tool": "nwipe",
    "tool_version": "0.35",
    "result": "erased",
    "verified": True,
    "verification_method": "Verify Last Pass",
}
