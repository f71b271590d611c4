"""The label printing page: stocks, a batch of codes to a PDF, bad codes listed, today's intake."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.devices.codes import check_character, format_code
from collecte.labels.service import list_templates
from tests.factories.accounts import PASSWORD, make_user
from tests.factories.devices import Workshop

HTML = {"Accept": "text/html"}
# A code as the label prints it: two groups of four alphabet characters.
PRINTED_CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4} [0-9A-HJKMNP-TV-Z]{4}\b")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _sign_in(client: TestClient, user: User) -> str:
    token = _csrf(client.get("/login", headers=HTML).text)
    client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        headers=HTML,
    )
    return _csrf(client.get("/labels", headers=HTML).text)


def _print(client: TestClient, token: str, **data: Any) -> Any:
    return client.post("/labels", data={"csrf_token": token, **data}, headers=HTML)


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


@pytest.fixture
def token(client: TestClient, workshop: Workshop) -> str:
    return _sign_in(client, workshop.technician)


def test_the_print_page_lists_the_stocks_and_sites(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    page = client.get("/labels", headers=HTML)
    assert page.status_code == 200
    for stock in list_templates():
        assert f'value="{stock["id"]}"' in page.text
    assert workshop.site.name in page.text
    assert 'name="skip"' in page.text


def test_a_batch_prints_one_label_per_code(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    devices = [workshop.receive(serial=f"LBL-{n}") for n in range(3)]
    # one per line, as scanned, with a grouped and a lower-case one among them
    typed = "\n".join([devices[0].code, format_code(devices[1].code), devices[2].code.lower(), ""])
    response = _print(client, token, codes=typed, template="avery-l7651", skip="5")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert sorted(PRINTED_CODE.findall(text)) == sorted(format_code(d.code) for d in devices)


def test_a_roll_stock_prints_a_page_per_label(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    devices = [workshop.receive(serial=f"ROLL-{n}") for n in range(2)]
    response = _print(
        client, token, codes=",".join(d.code for d in devices), template="brother-dk11209"
    )
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2


def test_bad_codes_are_listed_and_the_input_kept(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    device = workshop.receive(serial="GOOD-1")
    wrong_check = device.code[:7] + ("0" if device.code[7] != "0" else "1")
    typed = f"{device.code}\nHELLO\n{wrong_check}"
    response = _print(client, token, codes=typed, template="avery-l7651")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Aucune étiquette n'a été imprimée" in response.text
    problems = re.findall(r"<li>(.*?)</li>", response.text[response.text.index('role="alert"') :])
    assert any("HELLO" in p for p in problems)
    # In the page's language (French by default), not the service's English.
    assert any(wrong_check in p and "caractère de contrôle est faux" in p for p in problems)
    assert not any("check character" in p for p in problems)
    assert typed in response.text.replace("\r\n", "\n")

    unknown = "ABCDEFG" + check_character("ABCDEFG")
    response = _print(client, token, codes=f"{device.code}\n{unknown}", template="avery-l7651")
    assert response.status_code == 404
    assert unknown in response.text


def test_skip_must_fit_the_sheet(client: TestClient, workshop: Workshop, token: str) -> None:
    device = workshop.receive(serial="SKIP-1")
    assert (
        _print(client, token, codes=device.code, template="avery-l7651", skip="65").status_code
        == 422
    )
    assert (
        _print(client, token, codes=device.code, template="avery-l7651", skip="two").status_code
        == 422
    )


def test_todays_intake_at_a_site_is_added_to_the_list(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    first, second = workshop.receive(serial="TODAY-1"), workshop.receive(serial="TODAY-2")
    response = _print(
        client,
        token,
        codes=first.code,
        template="avery-l7651",
        site_id=str(workshop.site.id),
        add_today="1",
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    box = re.search(r'<textarea name="codes"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert box is not None
    assert box.group(1).split() == [first.code, second.code]  # no repeat of the one already there


def test_label_printing_is_workshop_work(
    client: TestClient, db: Session, workshop: Workshop
) -> None:
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    token = _csrf(client.get("/login", headers=HTML).text)
    client.post(
        "/login",
        data={"email": donor.email, "password": PASSWORD, "csrf_token": token},
        headers=HTML,
    )
    assert client.get("/labels", headers=HTML).status_code == 403
