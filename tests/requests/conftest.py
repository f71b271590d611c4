"""Fixtures of the partner-flow page tests: a workshop, its partner flow (coordinator, partner and
its user), the people who must not see the partner's things, and a browser to sign in as anyone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.orgs.models import OrgKind
from tests.factories.accounts import make_organization, make_user
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow
from tests.pickups.pagehelpers import Browser


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Callable[[User], Browser]]:
    with ExitStack() as stack:

        def open_as(user: User) -> Browser:
            client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
            return Browser(client, user)

        yield open_as


@pytest.fixture
def flow(db: Session) -> PartnerFlow:
    return PartnerFlow(Workshop(db))


@dataclass(frozen=True)
class Outsiders:
    """Those the API matrix tells apart on the partner's things: another partner of the same
    département, the workshop's donor and its technician."""

    other_partner: User
    donor: User
    technician: User


@pytest.fixture
def outsiders(db: Session, flow: PartnerFlow) -> Outsiders:
    other = make_organization(db, kind=OrgKind.PARTNER, postcode="93100")
    return Outsiders(
        other_partner=make_user(db, role=Role.PARTNER, organization=other),
        donor=make_user(db, role=Role.DONOR, organization=flow.workshop.donor),
        technician=flow.workshop.technician,
    )
