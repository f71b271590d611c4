"""The language switch goes back to the very page it was used on, query string included, and
never to another site."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from tests.devices.pagehelpers import HTML, sign_in
from tests.factories.accounts import make_user


def _switch_link(html: str, language: str) -> str:
    found = re.search(rf'href="(/language/{language}\?next=[^"]*)"', html)
    assert found, f"no link to switch to {language}"
    return unescape(found.group(1))


def test_the_switch_keeps_the_path_and_the_query_string(client: TestClient, db: Session) -> None:
    sign_in(client, make_user(db, role=Role.TECHNICIAN))
    page = client.get("/devices?status=available&q=T480", headers=HTML)
    assert page.status_code == 200
    link = _switch_link(page.text, "en")
    back = client.get(link, headers=HTML, follow_redirects=False)
    assert back.status_code == 303
    assert back.headers["location"] == "/devices?status=available&q=T480"
    # The list comes back in English, still filtered.
    english = client.get(back.headers["location"], headers=HTML)
    assert 'lang="en"' in english.text
    assert 'value="available" selected' in english.text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/devices?status=available",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",  # a browser drops the tab: "//evil.example"
        "/\n/evil.example",
        "devices",
        "",
    ],
)
def test_the_switch_never_leaves_the_site(client: TestClient, target: str) -> None:
    back = client.get("/language/en", params={"next": target}, headers=HTML, follow_redirects=False)
    assert back.status_code == 303
    assert back.headers["location"] == "/"
