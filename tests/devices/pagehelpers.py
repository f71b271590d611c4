"""What the device page tests share: a signed-in browser, forms posted with their CSRF token, and
the device's state as stored."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.devices.checklists import CHECKLISTS, Category
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from tests.factories.accounts import PASSWORD

HTML = {"Accept": "text/html"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, user: User) -> str:
    """Sign in through the form; the CSRF token of the new session."""
    token = csrf_of(client.get("/login", headers=HTML).text)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    return csrf_of(client.get("/", headers=HTML).text)


def post(client: TestClient, url: str, token: str, **data: Any) -> Any:
    return client.post(
        url, data={"csrf_token": token, **data}, headers=HTML, follow_redirects=False
    )


def status_of(db: Session, device: Device) -> DeviceStatus:
    """The device's status as stored now."""
    db.refresh(device)
    return device.status


def device_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Device)) or 0


def passing_form(category: Category) -> dict[str, str]:
    """The diagnosis form filled as a technician would when everything works."""
    values = {}
    for item in CHECKLISTS[category]:
        if item.kind == "bool":
            values[f"check_{item.name}"] = "yes"
        elif item.kind == "percent":
            values[f"check_{item.name}"] = "88"
        elif item.kind == "choice":
            values[f"check_{item.name}"] = item.choices[0]
    return values
