"""One limit on a request's body for the whole app (413), one row cap for every bulk path, and
no CSV cell longer than the longest field: 300,000 JSON rows used to cost 15 s and 640 MB."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.devices.bulk import MAX_CELL_CHARS, MAX_ROWS
from collecte.devices.models import Device
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop

ROW = {"category": "laptop", "brand": "Lenovo", "model": "T480", "has_storage": True}


def _devices(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Device)) or 0


def test_a_body_over_the_limit_is_413_by_its_header(
    client: TestClient, app: FastAPI, settings: Settings, workshop: Workshop
) -> None:
    app.user_middleware  # noqa: B018 (the app is built; the limit is the settings')
    body = b"[" + b" " * settings.max_body_bytes + b"]"
    response = client.post(
        "/api/v1/devices/bulk",
        content=body,
        headers={**auth_headers(settings, workshop.technician), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "too_large"


def test_a_streamed_body_over_the_limit_is_413(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b" " * 65536
        yield b"]"

    response = client.post(
        "/api/v1/devices/bulk",
        content=chunks(),
        headers={**auth_headers(settings, workshop.technician), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert _devices(db) == 0


def test_json_bulk_stops_at_the_row_cap(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop
) -> None:
    response = client.post(
        "/api/v1/devices/bulk",
        json=[ROW] * (MAX_ROWS + 1),
        headers=auth_headers(settings, workshop.technician),
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "too_many_rows"
    assert _devices(db) == 0


def _csv(client: TestClient, settings: Settings, workshop: Workshop, text: str) -> object:
    return client.post(
        "/api/v1/devices/import",
        files={"file": ("devices.csv", text.encode(), "text/csv")},
        headers=auth_headers(settings, workshop.technician),
    )


def test_a_huge_csv_field_is_refused(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop
) -> None:
    text = "category,brand,model,has_storage\nlaptop,Lenovo," + "x" * 200_000 + ",yes\n"
    response = _csv(client, settings, workshop, text)
    assert getattr(response, "status_code") == 422  # noqa: B009
    assert _devices(db) == 0


def test_a_csv_cell_longer_than_any_field_is_refused_on_its_row(
    client: TestClient, db: Session, settings: Settings, workshop: Workshop
) -> None:
    text = (
        "category,brand,model,has_storage\nlaptop,Lenovo,T480,yes\nlaptop,Lenovo,"
        + "x" * (MAX_CELL_CHARS + 1)
        + ",yes\n"
    )
    response = _csv(client, settings, workshop, text)
    assert getattr(response, "status_code") == 422  # noqa: B009
    rows = getattr(response, "json")()["rows"]  # noqa: B009
    assert [row["line"] for row in rows] == [3]
    assert _devices(db) == 0
