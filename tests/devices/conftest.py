"""Fixtures of the device tests: a workshop with its site, donor and technician, and the
technician signed in to the pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.devices.pagehelpers import sign_in
from tests.factories.devices import Workshop


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


@pytest.fixture
def token(client: TestClient, workshop: Workshop) -> str:
    """The workshop's technician is signed in."""
    return sign_in(client, workshop.technician)
