"""Refusals and documents speak the reader's language: pages and emails word a refusal or a
message in French (statuses included) while the API keeps its code and English detail."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.errors import InvalidTransition, Reason
from collecte.core.web import LANGUAGE_COOKIE
from collecte.devices.lifecycle import DeviceStatus
from collecte.notifications.models import OutboxMessage
from tests.devices.apihelpers import intake_device, technician_headers
from tests.devices.pagehelpers import post, sign_in
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop
from tests.pickups.test_api import BOOKING

# Sentences of the English emails and refusals that must not leak into a French one.
ENGLISH = re.compile(r"\b(Hello|the|is|has|was|pickup|device|cannot|scheduled|collected)\b")


def test_a_refusal_renders_its_template_and_enum_values_in_each_language() -> None:
    error = InvalidTransition(
        "transition_not_allowed",
        "a device cannot go from %(current)s to %(target)s; allowed: %(possible)s",
        allowed=["diagnosed", "wiped"],
        current=DeviceStatus.RECEIVED,
        target=DeviceStatus.AVAILABLE,
        possible=[DeviceStatus.DIAGNOSED, DeviceStatus.WIPED],
    )
    assert (
        error.detail == "a device cannot go from received to available; allowed: diagnosed, wiped"
    )
    assert error.message("fr") == (
        "un appareil ne peut pas passer de Reçu à Disponible ; possibles : Diagnostiqué, Effacé"
    )
    assert error.body()["allowed"] == ["diagnosed", "wiped"]
    reason = Reason("no_storage", "the device has no storage: no erasure to record")
    assert reason.message("fr") == "l'appareil n'a pas de stockage : aucun effacement à enregistrer"
    assert reason.message("en") == reason.detail


def test_a_french_page_words_an_illegal_transition_in_french(
    client: TestClient, db: Session
) -> None:
    workshop = Workshop(db)
    device = workshop.receive(serial="FR-1")
    token = sign_in(client, workshop.technician)
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    response = post(client, f"/devices/{device.code}/transition", token, to="available")
    assert response.status_code == 409
    text = response.text.replace("&#39;", "'")
    assert "un appareil ne peut pas passer de Reçu à Disponible" in text
    assert "Diagnostiqué" in text  # the statuses allowed instead, in words
    assert "cannot go from" not in text
    assert "received to available" not in text


def test_the_api_answers_kind_code_english_detail_and_allowed(
    client: TestClient, db: Session, settings: Settings
) -> None:
    workshop = Workshop(db)
    headers = technician_headers(settings, workshop)
    code = intake_device(client, headers)["code"]
    client.cookies.set(LANGUAGE_COOKIE, "fr")  # the API does not follow the pages' language
    response = client.post(
        f"/api/v1/devices/{code}/transition", json={"to": "available"}, headers=headers
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "invalid_transition"
    assert body["code"] == "transition_not_allowed"
    assert body["detail"].startswith("a device cannot go from received to available; allowed: ")
    assert body["allowed"] == ["diagnosed", "wiped", "in_repair", "parts", "recycled", "lost"]


def _book_schedule_collect(
    client: TestClient, settings: Settings, workshop: Workshop, **booking: object
) -> int:
    db = workshop.db
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    coordinator = make_user(db, role=Role.COORDINATOR, organization=workshop.organization)
    created = client.post(
        "/api/v1/pickups", json={**BOOKING, **booking}, headers=auth_headers(settings, donor)
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/pickups/{created.json()['id']}"
    schedule = {
        "date": "2026-12-01",
        "site_id": workshop.site.id,
        "window_start": "09:00",
        "window_end": "12:00",
    }
    coordinator_headers = auth_headers(settings, coordinator)
    assert client.post(f"{url}/schedule", json=schedule, headers=coordinator_headers).is_success
    collected = client.post(
        f"{url}/collect",
        json={"weight_kg": 6.2, "released_by": "C. Martin", "received_by": "A. Diallo"},
        headers=coordinator_headers,
    )
    assert collected.is_success, collected.text
    return int(created.json()["id"])


def _emails(db: Session, pickup_id: int) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.pickup_id == pickup_id)
    return list(db.scalars(query.order_by(OutboxMessage.id)))


def test_a_french_booking_gets_french_emails_with_french_numbers(
    client: TestClient, db: Session, settings: Settings
) -> None:
    workshop = Workshop(db)
    pickup_id = _book_schedule_collect(client, settings, workshop)  # the default language
    scheduled, collected = _emails(db, pickup_id)
    assert scheduled.subject == f"Collecte n° {pickup_id} planifiée le 01/12/2026"
    assert "entre 09:00 et 12:00" in scheduled.body
    assert "(6,2 kg)" in collected.body
    for message in (scheduled, collected):
        assert message.body.startswith("Bonjour ")
        assert not ENGLISH.search(message.subject + message.body), message.body


def test_an_english_booking_gets_english_emails(
    client: TestClient, db: Session, settings: Settings
) -> None:
    workshop = Workshop(db)
    pickup_id = _book_schedule_collect(client, settings, workshop, language="en")
    scheduled, collected = _emails(db, pickup_id)
    assert scheduled.subject == f"Pickup no. {pickup_id} scheduled on December 1, 2026"
    assert "between 09:00 and 12:00" in scheduled.body
    assert collected.body.startswith("Hello ")
    assert "(6.2 kg)" in collected.body
    assert "Bonjour" not in scheduled.body + collected.body
