"""Fixtures of the impact page tests: the scripted history and a browser to sign in as anyone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import User
from tests.impact import scenario
from tests.pickups.pagehelpers import Browser


@pytest.fixture
def run(db: Session) -> scenario.Scenario:
    return scenario.run(db)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Callable[[User], Browser]]:
    with ExitStack() as stack:

        def open_as(user: User) -> Browser:
            client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
            return Browser(client, user)

        yield open_as
