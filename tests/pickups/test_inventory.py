"""A donor's inventory file: the serial column found by name, in the usual CSV dialects, and the
API endpoint that replaces a pickup's declared serials with an uploaded file."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.core.errors import InvalidInput
from collecte.pickups.inventory import InventoryError, parse_inventory
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import book, schedule


@pytest.mark.parametrize(
    "text",
    [
        "serial\nPF-1\nPF-2\n",
        "Serial_Number,model\nPF-1,T480\nPF-2,T480\n",
        "\ufeffNuméro de série;Modèle\nPF-1;T480\nPF-2;T480\n",
        "NUMERO DE SERIE;x\nPF-1;a\nPF-2;b\n",
        "asset_tag\nPF-1\nPF-2\n",
        "model;Asset Tag\nT480;PF-1\nT480;PF-2\n",
        'serial,notes\n"PF-1","a, b"\r\n"PF-2",""\r\n',
    ],
)
def test_the_serial_column_is_found_by_its_name(text: str) -> None:
    assert parse_inventory(text.encode()) == ["PF-1", "PF-2"]


def test_duplicates_and_blank_rows_collapse() -> None:
    text = "serial,model\n PF-2 ,a\n\nPF-1,b\nPF-2,c\n,\n"
    assert parse_inventory(text.encode()) == ["PF-1", "PF-2"]


def test_a_serial_column_wins_over_an_asset_tag_column() -> None:
    text = "asset tag,serial\nTAG-1,SN-1\nTAG-2,\n"
    assert parse_inventory(text.encode()) == ["SN-1", "TAG-2"]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", ["empty"]),
        (b"\xef\xbb\xbf\n \n", ["empty"]),
        (b"model,colour\nT480,black\n", ["Line 1", "“model”, “colour”", "“serial”"]),
        (b"\n\nSN;model\nX;Y\n", ["Line 3", "“SN”, “model”"]),
        (b"serial\n\n", ["lists no serial"]),
        ("serial\n".encode("utf-16"), ["not UTF-8"]),
        (b"serial\n\xe9\n", ["not UTF-8", "byte 8"]),
        (b'serial\n"PF-1\n', ["Line 2", "CSV"]),
        (b"serial\n" + b"X" * 101 + b"\n", ["Line 2", "100"]),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(raw: bytes, words: list[str]) -> None:
    with pytest.raises(InventoryError) as refused:
        parse_inventory(raw)
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.status_code == 422
    for word in words:
        assert word in refused.value.detail


def test_a_message_keeps_its_values_apart_for_translation() -> None:
    with pytest.raises(InventoryError) as refused:
        parse_inventory(b"foo\nbar\n")
    assert refused.value.template % refused.value.params == refused.value.detail
    assert refused.value.params["line"] == 1


# --- the inventory endpoint of the API ---------------------------------------------------------


def test_api_replaces_the_inventory_with_an_uploaded_file(
    client: TestClient,
    db: Session,
    settings: Settings,
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = book(db, donor_user)
    url = f"/api/v1/pickups/{pickup.id}/inventory"
    mine = auth_headers(settings, donor_user)
    good = client.put(
        url,
        files={"file": ("inv.csv", b"serial_number\nA-1\nA-2\nA-1\n", "text/csv")},
        headers=mine,
    )
    assert good.status_code == 200, good.text
    assert good.json()["declared_serials"] == ["A-1", "A-2"]

    bad = client.put(url, files={"file": ("inv.csv", b"name\nfoo\n", "text/csv")}, headers=mine)
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid_input"
    assert "name" in bad.json()["detail"]
    empty = client.put(url, files={"file": ("inv.csv", b"", "text/csv")}, headers=mine)
    assert empty.status_code == 422
    assert client.put(url, headers=mine).status_code == 422  # no file at all

    for stranger in (make_user(db, role=Role.DONOR), make_user(db, role=Role.PARTNER)):
        hidden = client.put(
            url,
            files={"file": ("inv.csv", b"serial\nX\n", "text/csv")},
            headers=auth_headers(settings, stranger),
        )
        assert hidden.status_code == 404
    technician = client.put(
        url,
        files={"file": ("inv.csv", b"serial\nX\n", "text/csv")},
        headers=auth_headers(settings, workshop.technician),
    )
    assert technician.status_code == 403

    schedule(db, pickup, coordinator, workshop.site)
    late = client.put(url, files={"file": ("inv.csv", b"serial\nX\n", "text/csv")}, headers=mine)
    assert late.status_code == 409
    db.refresh(pickup)
    assert pickup.declared_serials == ["A-1", "A-2"]
