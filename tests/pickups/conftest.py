"""Fixtures of the pickup tests: a workshop with its donor, the donor's user, a coordinator, and a
browser to sign in as anyone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import Browser


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Callable[[User], Browser]]:
    with ExitStack() as stack:

        def open_as(user: User) -> Browser:
            client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
            return Browser(client, user)

        yield open_as


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


@pytest.fixture
def donor_user(db: Session, workshop: Workshop) -> User:
    return make_user(db, role=Role.DONOR, organization=workshop.donor)


@pytest.fixture
def coordinator(db: Session, workshop: Workshop) -> User:
    return make_user(db, role=Role.COORDINATOR, organization=workshop.organization)
