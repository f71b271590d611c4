"""Fixtures of the hardening tests: a workshop with its site, donor and technician."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories.devices import Workshop


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)
