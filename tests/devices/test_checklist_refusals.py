"""A refused checklist is listed in the visitor's language, each problem with its check's name."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from collecte.devices.checklists import Category
from tests.devices.pagehelpers import passing_form, post
from tests.factories.devices import Workshop


def test_missing_and_wrong_answers_are_listed_in_french(
    client: TestClient, workshop: Workshop, token: str
) -> None:
    device = workshop.receive()
    answers = passing_form(Category.LAPTOP)
    del answers["check_boots"]
    answers["check_battery_health"] = "120"
    response = post(client, f"/devices/{device.code}/diagnosis", token, **answers, result="pass")
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "contrôle manquant : Démarre jusqu'au système d'exploitation" in page
    assert "un pourcentage entier de 0 à 100 est attendu, reçu '120'" in page
    assert "missing check" not in page
    assert "expected a whole percentage" not in page
