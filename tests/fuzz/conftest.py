"""Fixtures of the OpenAPI fuzz run: one committed, seeded database, an app on it, and what the
generated requests need to reach real rows (bearer headers per role, the ids and codes seeded).

As in ``tests/concurrency``, the app runs on a committed database of its own rather than inside
the per-test savepoint of ``tests/conftest.py``: the schemathesis ASGI client runs the app on an
event loop thread of its own, and every write it makes is thrown away with the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from collecte.app import create_app
from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.migrations import upgrade_database
from collecte.core.types import utcnow
from collecte.devices.checklists import Category
from collecte.orgs.models import OrgKind
from collecte.pickups import service as pickups
from collecte.pickups.models import Pickup
from collecte.pickups.schemas import PickupCreate
from tests.dbutil import fresh_database, postgres_base_url
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.factories.devices import Workshop, passing_checks

# The figures of each role's run, shown at the end of the pytest run (the issue asks to see them).
FUZZ_REPORT = pytest.StashKey[list[str]]()

# The roles the fuzz runs as: the one that may do everything, and one that may do little.
ROLES = (Role.ADMIN, Role.DONOR)


@dataclass
class FuzzTarget:
    """The app under fuzz, the bearer headers of each role, and real values per path parameter."""

    app: FastAPI
    backend: str
    headers: dict[Role, dict[str, str]]
    known: dict[str, list[int | str]] = field(default_factory=dict)
    bodies: dict[str, Any] = field(default_factory=dict)
    # The accounts the run's tokens name, and another one PATCH /users changes in their place: a
    # deactivation or a new role revokes an account's tokens (by design), which would leave the
    # rest of the run answered 401.
    own_accounts: frozenset[int] = frozenset()
    spare_account: int = 0


def fuzz_backend() -> str:
    """PostgreSQL when the run has one (the issue asks for it), SQLite otherwise."""
    return "postgresql" if postgres_base_url() else "sqlite"


class SeededWorkshop(Workshop):
    """The devices factory's workshop, with a coordinator to book and schedule pickups."""

    def __init__(self, db: Session) -> None:
        super().__init__(db)
        self.coordinator = make_user(db, role=Role.COORDINATOR, organization=self.organization)


def _book(db: Session, workshop: SeededWorkshop, *, donor_id: int, days_ahead: int) -> Pickup:
    day = utcnow().date() + dt.timedelta(days=days_ahead)
    booking = PickupCreate.model_validate(
        {
            "donor_id": donor_id,
            "address": "1 place de la Défense",
            "postcode": "92400",
            "city": "Courbevoie",
            "contact_name": "Claire Martin",
            "contact_email": "claire.martin@banque.example.org",
            "windows": [{"start": f"{day}T09:00:00+01:00", "end": f"{day}T12:00:00+01:00"}],
            "items": [
                {"category": "laptop", "quantity": 3},
                {"category": "monitor", "quantity": 1},
            ],
            "declared_serials": ["SN-FUZZ-1", "SN-FUZZ-2"],
        }
    )
    return pickups.request_pickup(db, viewer=workshop.coordinator, booking=booking)


def valid_bodies(workshop: SeededWorkshop, codes: list[int | str]) -> dict[str, Any]:
    """A body each write accepts on the seeded rows, by operation: generated bodies rarely get
    past the services' rules (a real postcode, a date in the plan horizon), so the fuzz also
    sends these with some of their fields replaced by generated ones, to reach the answers of
    writes that succeed."""
    day = (utcnow().date() + dt.timedelta(days=20)).isoformat()
    window = {"start": f"{day}T09:00:00+01:00", "end": f"{day}T12:00:00+01:00"}
    device = {
        "category": "laptop",
        "brand": "Dell",
        "model": "Latitude 5490",
        "serial": "SN-FUZZ-NEW",
        "has_storage": True,
        "weight_kg": 1.8,
        "site_id": workshop.site.id,
        "donor_id": workshop.donor.id,
        "specs": {"ram_gb": 8, "storage_gb": 256, "cpu": "i5-8350U", "screen_in": 14},
    }
    return {
        "POST /api/v1/pickups": {
            "donor_id": workshop.donor.id,
            "address": "12 rue de Rivoli",
            "postcode": "75004",
            "city": "Paris",
            "contact_name": "Jean Dupont",
            "contact_email": "jean.dupont@example.org",
            "windows": [window],
            "items": [{"category": "laptop", "quantity": 2}],
            "declared_serials": ["SN-FUZZ-9"],
        },
        "PATCH /api/v1/pickups/{pickup_id}": {
            "contact_phone": "01 23 45 67 89",
            "windows": [window],
        },
        "POST /api/v1/pickups/{pickup_id}/schedule": {
            "date": day,
            "site_id": workshop.site.id,
            "window_start": "09:00",
            "window_end": "12:00",
            "vehicle": "VAN-2",
        },
        "POST /api/v1/pickups/{pickup_id}/collect": {
            "weight_kg": 20.5,
            "released_by": "C. Martin",
            "received_by": "A. Diallo",
            "counts": {"laptop": 2},
        },
        "POST /api/v1/pickups/{pickup_id}/cancel": {"reason": "Déménagement reporté"},
        "POST /api/v1/devices": device,
        "POST /api/v1/devices/bulk": [device, {**device, "serial": "SN-FUZZ-NEW-2"}],
        "POST /api/v1/devices/{code}/diagnosis": {
            "result": "pass",
            "checks": passing_checks(Category.LAPTOP),
        },
        "POST /api/v1/devices/{code}/erasure": {
            "storage_serial": "DISK-FUZZ",
            "method": "PRNG Stream",
            "nist_level": "clear",
            "tool": "nwipe",
            "result": "erased",
            "verified": True,
            "verification_method": "Verify Last Pass",
        },
        "POST /api/v1/devices/{code}/grade": {"functional": "F5", "cosmetic": "C6"},
        "POST /api/v1/devices/{code}/repairs": {
            "description": "Clavier remplacé",
            "parts": [{"name": "Clavier AZERTY", "quantity": 1}],
            "minutes": 25,
        },
        "POST /api/v1/devices/{code}/transition": {"to": "available", "note": ""},
        "POST /api/v1/devices/{code}/hold": {"reason": "En attente d'une pièce"},
        "POST /api/v1/devices/{code}/move": {"site_id": workshop.site.id, "note": ""},
        "POST /api/v1/scan": {"code": codes[0]},
        "POST /api/v1/labels": {"codes": codes, "template": "brother-dk11209", "qr": True},
        "POST /api/v1/sites": {
            "organization_id": workshop.organization.id,
            "name": "Atelier Nord",
            "postcode": "93200",
            "city": "Saint-Denis",
        },
        "POST /api/v1/users": {
            "email": "nouvelle.technicienne@example.org",
            "password": "a long enough password",
            "role": "technician",
            "organization_id": workshop.organization.id,
        },
        "PATCH /api/v1/organizations/{organization_id}": {
            "city": "Paris",
            "address": "3 rue Neuve",
        },
        "PATCH /api/v1/sites/{site_id}": {
            "name": "Atelier Nord",
            "latitude": 48.9,
            "longitude": 2.35,
        },
    }


def seed(db: Session, app: FastAPI, settings: Settings, backend: str) -> FuzzTarget:
    """A workshop with devices at several stages, a donor with pickups requested, scheduled and collected, a partner,
    another donor with its own pickup (for the donor to be refused), and the two accounts."""
    workshop = SeededWorkshop(db)
    admin = make_user(db, role=Role.ADMIN)
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    partner = make_organization(db, kind=OrgKind.PARTNER, postcode="93100")
    make_user(db, role=Role.PARTNER, organization=partner)
    other_donor = make_organization(db, kind=OrgKind.DONOR, postcode="92100")

    requested = _book(db, workshop, donor_id=workshop.donor.id, days_ahead=10)
    scheduled = _book(db, workshop, donor_id=workshop.donor.id, days_ahead=12)
    collected = _book(db, workshop, donor_id=workshop.donor.id, days_ahead=1)
    elsewhere = _book(db, workshop, donor_id=other_donor.id, days_ahead=14)
    for pickup, days_ahead in ((scheduled, 12), (collected, 1)):
        pickups.schedule_pickup(
            db,
            viewer=workshop.coordinator,
            pickup=pickup,
            date=utcnow().date() + dt.timedelta(days=days_ahead),
            site_id=workshop.site.id,
            window_start="09:00",
            window_end="12:00",
            vehicle="VAN-1",
        )
    pickups.collect_pickup(
        db,
        viewer=workshop.coordinator,
        pickup=collected,
        weight_kg=12.5,
        released_by="C. Martin",
        received_by="A. Diallo",
    )

    received = workshop.receive(serial="SN-FUZZ-1", pickup_id=collected.id)
    available = workshop.receive(serial="SN-FUZZ-2", pickup_id=collected.id)
    workshop.make_available(available)
    screen = workshop.receive(serial="SN-FUZZ-3", has_storage=False, category=Category.MONITOR)
    workshop.diagnose(screen)

    organizations: list[int | str] = [
        workshop.organization.id,
        workshop.donor.id,
        partner.id,
        other_donor.id,
    ]
    codes: list[int | str] = [received.code, available.code, screen.code]
    return FuzzTarget(
        app=app,
        backend=backend,
        headers={
            Role.ADMIN: auth_headers(settings, admin),
            Role.DONOR: auth_headers(settings, donor),
        },
        known={
            "user_id": [admin.id, donor.id, workshop.technician.id, workshop.coordinator.id],
            "organization_id": organizations,
            "donor_id": [workshop.donor.id, other_donor.id, workshop.organization.id],
            "site_id": [workshop.site.id],
            "pickup_id": [requested.id, scheduled.id, collected.id, elsewhere.id],
            "code": codes,
        },
        bodies=valid_bodies(workshop, codes),
        own_accounts=frozenset({admin.id, donor.id}),
        spare_account=workshop.technician.id,
    )


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    backend = fuzz_backend()
    with fresh_database(backend, directory) as url:
        upgrade_database(url)
        settings = Settings(
            _env_file=None,
            data_dir=directory,
            database_url=url,
            secret_key="test-secret-not-for-production",
        )
        app = create_app(settings)
        try:
            with app.state.sessionmaker.begin() as db:  # committed: the app reads it as it is
                target = seed(db, app, settings, backend)
            yield target
        finally:
            # The ASGI client keeps the app's lifespan open until the process exits; the pool is
            # closed here so that the database can be dropped.
            app.state.engine.dispose()


@pytest.fixture(scope="session")
def fuzz_report(request: pytest.FixtureRequest) -> list[str]:
    """Lines for the summary: each role's requests, operations, time and statuses."""
    return request.config.stash.setdefault(FUZZ_REPORT, [])


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    lines = config.stash.get(FUZZ_REPORT, [])
    if lines:
        terminalreporter.section("OpenAPI fuzz")
        for line in lines:
            terminalreporter.write_line(line)
