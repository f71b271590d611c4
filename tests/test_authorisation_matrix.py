"""The authorisation matrix: every API route × every role × own / other organisation.

Generated from the app's own route table: a route without an entry in EXPECTED (tests/api_matrix_table.py) fails the test, and
an entry without a route does too. Each cell calls the route as one caller, on an object of
organisation A, inside a SAVEPOINT rolled back afterwards, so the cells do not depend on each other.

A cell's outcome is a class, not a code: "ok" is any 2xx or a 409 (a rule refusal: the caller was let
through to the rules), 401, 403 and 404 are themselves; any 5xx always fails, and a 422 (a body
that did not pass validation, so the answer says nothing about authorisation) fails unless the table
expects it (intake naming another workshop's site is refused that way).

MATRIX_DUMP=<file> writes the observed classes of every cell to that file (and skips the check that
every route has an entry), to draft the table for a new route.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.devices.checklists import Category
from collecte.orgs.models import Organization
from tests.api_matrix_table import EXPECTED
from tests.factories.accounts import PASSWORD
from tests.factories.devices import passing_checks
from tests.matrix_world import (
    DAY,
    E401,
    OK,
    C,
    D,
    P,
    Rule,
    T,
    World,
    build_world,
    callers,
    label_of,
)
from tests.orgs.images import image_bytes

METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})
NWIPE_LOG = Path(__file__).parent / "devices" / "fixtures" / "nwipe-erased.log"

Call = dict[str, Any]  # path parameters under "path", the rest passed to client.request


def _org_of_a(world: World, role: Role) -> Organization:
    """Organisation A's counterpart of the caller: its own org when in A, A's workshop for staff."""
    return world.orgs.get((role, "own"), world.orgs[(C, "own")])


def _user_of_a(world: World, role: Role) -> User:
    """Another user of A's organisation of the caller's kind (itself for a donor or partner)."""
    other = {C: T, T: C, D: D, P: P}.get(role, C)
    return world.users[(other, "own")]


def _device_row(world: World) -> dict[str, Any]:
    return {
        "category": "laptop",
        "brand": "Dell",
        "model": "Latitude 5490",
        "has_storage": True,
        "site_id": world.site.id,
        "donor_id": world.donor.id,
    }


def _booking(world: World) -> dict[str, Any]:
    return {
        "donor_id": world.donor.id,
        "address": "10 rue de la Paix",
        "postcode": "92400",
        "city": "Courbevoie",
        "contact_name": "Jean Dupont",
        "contact_email": "jean.dupont@example.org",
        "windows": [{"start": f"{DAY}T09:00:00+01:00", "end": f"{DAY}T12:00:00+01:00"}],
        "items": [{"category": "laptop", "quantity": 3}],
    }


def _request_body(world: World, role: Role) -> dict[str, Any]:
    body: dict[str, Any] = {"lines": [{"category": "laptop", "quantity": 1}]}
    if role is not P:
        body["partner_id"] = world.orgs[(P, "own")].id
    return body


CSV = "category,brand,model,serial,has_storage,site_id\nlaptop,Lenovo,T470,PF-MATRIX,oui,{site}\n"
INVENTORY = "Numéro de série;Modèle\nPF-1;T480\n"

CALLS: dict[tuple[str, str], Callable[[World, Role], Call]] = {
    ("POST", "/api/v1/scan"): lambda w, _: {"json": {"code": w.device.code}},
    ("POST", "/api/v1/auth/token"): lambda w, role: {
        "data": {"username": w.users[(role, "own")].email, "password": PASSWORD}
    },
    ("POST", "/api/v1/users"): lambda w, role: {
        "json": {
            "email": f"new-{role.value}@example.org",
            "password": "a long enough password",
            "role": "technician",
            "organization_id": w.orgs[(C, "own")].id,
        }
    },
    ("GET", "/api/v1/users/me"): lambda w, _: {},
    ("GET", "/api/v1/users"): lambda w, _: {},
    ("GET", "/api/v1/users/{user_id}"): lambda w, role: {
        "path": {"user_id": _user_of_a(w, role).id}
    },
    ("POST", "/api/v1/organizations"): lambda w, _: {
        "json": {"name": "Nouvelle", "kind": "partner", "postcode": "75011", "city": "Paris"}
    },
    ("GET", "/api/v1/organizations"): lambda w, _: {},
    ("GET", "/api/v1/organizations/{organization_id}"): lambda w, role: {
        "path": {"organization_id": _org_of_a(w, role).id}
    },
    ("PATCH", "/api/v1/organizations/{organization_id}"): lambda w, role: {
        "path": {"organization_id": _org_of_a(w, role).id},
        "json": {"city": "Paris"},
    },
    ("POST", "/api/v1/sites"): lambda w, _: {
        "json": {
            "organization_id": w.orgs[(C, "own")].id,
            "name": "Annexe",
            "postcode": "93100",
            "city": "Montreuil",
        }
    },
    ("GET", "/api/v1/sites"): lambda w, _: {},
    ("GET", "/api/v1/sites/{site_id}"): lambda w, _: {"path": {"site_id": w.site.id}},
    ("PATCH", "/api/v1/sites/{site_id}"): lambda w, _: {
        "path": {"site_id": w.site.id},
        "json": {"name": "Entrepôt"},
    },
    ("PUT", "/api/v1/organizations/{organization_id}/logo"): lambda w, _: {
        "path": {"organization_id": w.orgs[(C, "own")].id},
        "files": {"file": ("logo.png", image_bytes(), "image/png")},
    },
    ("DELETE", "/api/v1/organizations/{organization_id}/logo"): lambda w, _: {
        "path": {"organization_id": w.orgs[(C, "own")].id}
    },
    ("GET", "/api/v1/organizations/{organization_id}/logo"): lambda w, _: {
        "path": {"organization_id": w.orgs[(C, "own")].id}
    },
    ("POST", "/api/v1/devices"): lambda w, _: {"json": _device_row(w)},
    ("GET", "/api/v1/devices"): lambda w, _: {},
    ("POST", "/api/v1/devices/bulk"): lambda w, _: {"json": [_device_row(w)]},
    ("POST", "/api/v1/devices/import"): lambda w, _: {
        "files": {"file": ("devices.csv", CSV.format(site=w.site.id).encode(), "text/csv")}
    },
    ("GET", "/api/v1/devices/{code}"): lambda w, _: {"path": {"code": w.device.code}},
    ("GET", "/api/v1/devices/{code}/events"): lambda w, _: {"path": {"code": w.device.code}},
    ("POST", "/api/v1/devices/{code}/storage-absent"): lambda w, _: {
        "path": {"code": w.device.code},
        "json": {"note": "vérifié"},
    },
    ("GET", "/api/v1/devices/{code}/records"): lambda w, _: {"path": {"code": w.device.code}},
    ("POST", "/api/v1/devices/{code}/transition"): lambda w, _: {
        "path": {"code": w.device.code},
        "json": {"to": "parts"},
    },
    ("POST", "/api/v1/devices/{code}/diagnosis"): lambda w, _: {
        "path": {"code": w.device.code},
        "json": {"result": "pass", "checks": passing_checks(Category.LAPTOP)},
    },
    ("POST", "/api/v1/devices/{code}/erasure"): lambda w, _: {
        "path": {"code": w.device.code},
        "json": {
            "storage_serial": "DISK-1",
            "method": "PRNG Stream",
            "nist_level": "clear",
            "tool": "nwipe",
            "result": "erased",
            "verified": False,
        },
    },
    ("POST", "/api/v1/devices/{code}/erasure-log"): lambda w, _: {
        "path": {"code": w.device.code},
        "files": {"file": ("nwipe.log", NWIPE_LOG.read_bytes(), "text/plain")},
    },
    ("POST", "/api/v1/devices/{code}/grade"): lambda w, _: {
        "path": {"code": w.device.code},
        "json": {"functional": "F5", "cosmetic": "C6"},
    },
    ("POST", "/api/v1/devices/{code}/repairs"): lambda w, _: {
        "path": {"code": w.device.code},
        "json": {"description": "clavier remplacé", "minutes": 20},
    },
    ("POST", "/api/v1/devices/{code}/hold"): lambda w, _: {
        "path": {"code": w.device.code},
        "json": {"reason": "contrôle"},
    },
    ("POST", "/api/v1/devices/{code}/release"): lambda w, _: {"path": {"code": w.device.code}},
    ("POST", "/api/v1/devices/{code}/move"): lambda w, _: {
        "path": {"code": w.device.code},
        "json": {"site_id": w.site.id},
    },
    ("GET", "/api/v1/checklists"): lambda w, _: {},
    ("GET", "/api/v1/devices/{code}/erasure-certificate.pdf"): lambda w, _: {
        "path": {"code": w.wiped.code}
    },
    ("GET", "/api/v1/organizations/{donor_id}/erasure-certificate.pdf"): lambda w, _: {
        "path": {"donor_id": w.donor.id}
    },
    ("GET", "/api/v1/documents/verify"): lambda w, _: {"params": {"code": w.document_code}},
    ("GET", "/api/v1/labels/templates"): lambda w, _: {},
    ("POST", "/api/v1/labels"): lambda w, _: {"json": {"codes": [w.device.code]}},
    ("GET", "/api/v1/devices/{code}/label.pdf"): lambda w, _: {"path": {"code": w.device.code}},
    ("POST", "/api/v1/pickups"): lambda w, _: {"json": _booking(w)},
    ("GET", "/api/v1/pickups"): lambda w, _: {},
    ("GET", "/api/v1/pickups/run-sheet"): lambda w, _: {
        "params": {"date": DAY, "vehicle": "Van 1", "site_id": w.site.id}
    },
    ("GET", "/api/v1/pickups/run-sheet.pdf"): lambda w, _: {
        "params": {"date": DAY, "vehicle": "Van 1", "site_id": w.site.id}
    },
    ("GET", "/api/v1/pickups/{pickup_id}"): lambda w, _: {"path": {"pickup_id": w.requested.id}},
    ("GET", "/api/v1/pickups/{pickup_id}/events"): lambda w, _: {
        "path": {"pickup_id": w.requested.id}
    },
    ("PATCH", "/api/v1/pickups/{pickup_id}"): lambda w, _: {
        "path": {"pickup_id": w.requested.id},
        "json": {"floor": "2"},
    },
    ("POST", "/api/v1/pickups/{pickup_id}/cancel"): lambda w, _: {
        "path": {"pickup_id": w.requested.id},
        "json": {"reason": "plus rien à donner"},
    },
    ("POST", "/api/v1/pickups/{pickup_id}/schedule"): lambda w, _: {
        "path": {"pickup_id": w.requested.id},
        "json": {"date": DAY, "site_id": w.site.id, "window_start": "09:00", "window_end": "12:00"},
    },
    ("POST", "/api/v1/pickups/{pickup_id}/collect"): lambda w, _: {
        "path": {"pickup_id": w.scheduled.id},
        "json": {"weight_kg": 6.2, "released_by": "C. Martin", "received_by": "A. Diallo"},
    },
    ("GET", "/api/v1/pickups/{pickup_id}/reconciliation"): lambda w, _: {
        "path": {"pickup_id": w.collected.id}
    },
    ("GET", "/api/v1/pickups/{pickup_id}/collection-proof.pdf"): lambda w, _: {
        "path": {"pickup_id": w.collected.id}
    },
    ("GET", "/api/v1/pickups/{pickup_id}/erasure-certificate.pdf"): lambda w, _: {
        "path": {"pickup_id": w.collected.id}
    },
    ("GET", "/api/v1/pickups/{pickup_id}/donation-receipt"): lambda w, _: {
        "path": {"pickup_id": w.collected.id}
    },
    ("GET", "/api/v1/organizations/{donor_id}/traceability"): lambda w, _: {
        "path": {"donor_id": w.donor.id}
    },
    ("PUT", "/api/v1/pickups/{pickup_id}/inventory"): lambda w, _: {
        "path": {"pickup_id": w.requested.id},
        "files": {"file": ("inventaire.csv", INVENTORY.encode(), "text/csv")},
    },
    ("POST", "/api/v1/requests"): lambda w, role: {"json": _request_body(w, role)},
    ("GET", "/api/v1/requests"): lambda w, _: {},
    ("POST", "/api/v1/requests/allocate"): lambda w, _: {},
    ("GET", "/api/v1/requests/{request_id}"): lambda w, _: {"path": {"request_id": w.approved}},
    ("POST", "/api/v1/requests/{request_id}/approve"): lambda w, _: {
        "path": {"request_id": w.submitted}
    },
    ("POST", "/api/v1/requests/{request_id}/reject"): lambda w, _: {
        "path": {"request_id": w.submitted},
        "json": {"reason": "hors de notre zone"},
    },
    ("POST", "/api/v1/requests/{request_id}/cancel"): lambda w, _: {
        "path": {"request_id": w.submitted},
        "json": {"reason": "no_longer_needed"},
    },
    ("PATCH", "/api/v1/requests/{request_id}/lines/{line_id}"): lambda w, _: {
        "path": {"request_id": w.submitted, "line_id": w.submitted_line},
        "json": {"quantity": 1, "reason": "stock limité"},
    },
    ("POST", "/api/v1/requests/{request_id}/allocate"): lambda w, _: {
        "path": {"request_id": w.approved}
    },
    ("POST", "/api/v1/requests/{request_id}/devices"): lambda w, _: {
        "path": {"request_id": w.approved},
        "json": {"code": w.codes["stock"]},
    },
    ("POST", "/api/v1/requests/{request_id}/release"): lambda w, _: {
        "path": {"request_id": w.approved},
        "json": {"code": w.codes["allocated"], "reason": "écran fêlé"},
    },
    ("POST", "/api/v1/shipments"): lambda w, _: {
        "json": {"request_id": w.approved, "device_codes": [w.codes["allocated"]]}
    },
    ("GET", "/api/v1/shipments"): lambda w, _: {},
    ("GET", "/api/v1/shipments/{shipment_id}"): lambda w, _: {
        "path": {"shipment_id": w.shipments["preparing"]}
    },
    ("POST", "/api/v1/shipments/{shipment_id}/devices"): lambda w, _: {
        "path": {"shipment_id": w.shipments["preparing"]},
        "json": {"code": w.codes["allocated"]},
    },
    ("POST", "/api/v1/shipments/{shipment_id}/dispatch"): lambda w, _: {
        "path": {"shipment_id": w.shipments["preparing"]}
    },
    ("POST", "/api/v1/shipments/{shipment_id}/deliver"): lambda w, _: {
        "path": {"shipment_id": w.shipments["dispatched"]}
    },
    ("GET", "/api/v1/shipments/{shipment_id}/delivery-note.pdf"): lambda w, _: {
        "path": {"shipment_id": w.shipments["dispatched"]}
    },
    ("POST", "/api/v1/returns"): lambda w, _: {
        "json": {"device_code": w.codes["delivered"], "reason": "ne convient pas"}
    },
    ("POST", "/api/v1/handovers"): lambda w, _: {
        "json": {"device_code": w.codes["delivered"], "beneficiary_ref": "FAM-042"}
    },
    ("GET", "/api/v1/handovers"): lambda w, _: {},
    ("GET", "/api/v1/handovers/{handover_id}/receipt.pdf"): lambda w, _: {
        "path": {"handover_id": w.handover}
    },
    ("POST", "/api/v1/handovers/{handover_id}/correct"): lambda w, _: {
        "path": {"handover_id": w.handover},
        "json": {"device_code": w.codes["delivered"]},
    },
    ("GET", "/api/v1/outbox"): lambda w, _: {},
    ("GET", "/api/v1/impact"): lambda w, _: {"params": {"donor_id": w.donor.id}},
    ("GET", "/api/v1/impact.csv"): lambda w, _: {"params": {"donor_id": w.donor.id}},
    ("GET", "/api/v1/audit/verify"): lambda w, _: {},
    ("GET", "/api/v1/impact/report.pdf"): lambda w, _: {"params": {"donor_id": w.donor.id}},
    ("POST", "/api/v1/pickups/{pickup_id}/position"): lambda w, _: {
        "path": {"pickup_id": w.requested.id},
        "json": {"latitude": 48.86, "longitude": 2.44},
    },
    ("PATCH", "/api/v1/users/{user_id}"): lambda w, role: {
        "path": {"user_id": _user_of_a(w, role).id},
        "json": {"full_name": "Awa Diallo", "integration_contract": True},
    },
    ("POST", "/api/v1/users/me/password"): lambda w, _: {
        "json": {"current_password": PASSWORD, "new_password": "another long password"}
    },
    ("POST", "/api/v1/outbox/{message_id}/resend"): lambda w, _: {
        "path": {"message_id": w.message}
    },
}


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) under /api/v1 in the app's route table, included routers unfolded."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        path = getattr(context, "path", None)
        methods = getattr(context, "methods", None) or set()
        if isinstance(path, str) and path.startswith("/api/v1/"):
            found |= {(method, path) for method in methods if method in METHODS}
    return found


def outcome(status: int) -> str:
    """The cell's class: a 422 stays 422, and fails unless the table expects it."""
    if 200 <= status < 300 or status == 409:
        return OK
    return str(status)


def call(
    client: TestClient, db: Session, key: tuple[str, str], spec: Call, headers: dict[str, str]
) -> tuple[int, str]:
    """One request inside a SAVEPOINT that is rolled back: no cell sees another's writes."""
    method, template = key
    kwargs = dict(spec)
    path = template.format(**kwargs.pop("path", {}))
    savepoint = db.begin_nested()
    try:
        response = client.request(method, path, headers=headers, **kwargs)
    finally:
        savepoint.rollback()
        db.expire_all()
    return response.status_code, response.text[:200]


def test_authorisation_matrix(client: TestClient, db: Session, settings: Settings) -> None:
    started = time.monotonic()
    routes = api_routes(client.app)  # type: ignore[arg-type]
    dump = os.environ.get("MATRIX_DUMP")
    if not dump:
        assert routes == set(EXPECTED), (
            f"routes without an entry: {sorted(routes - set(EXPECTED))}; "
            f"entries without a route: {sorted(set(EXPECTED) - routes)}"
        )
    assert routes == set(CALLS), sorted(routes ^ set(CALLS))
    world = build_world(db, client, settings)
    failures: list[str] = []
    observed: dict[tuple[str, str], dict[str, str]] = {}
    cells = 0
    for key in sorted(routes, key=lambda k: (k[1], k[0])):
        rule = EXPECTED.get(key, Rule(frozenset()))
        row = observed.setdefault(key, {})
        for role, side in callers():
            headers = world.headers(settings, role, side)
            status, text = call(client, db, key, CALLS[key](world, role), headers)
            got, want = outcome(status), rule.expect(role, side)
            label = label_of(role, side)
            row[label] = got
            cells += 1
            if status >= 500 or got != want:
                failures.append(f"{key[0]} {key[1]} as {label}: want {want}, got {status} {text}")
        status, text = call(client, db, key, CALLS[key](world, C), {})
        cells += 1
        want = OK if rule.public else E401
        row["anonymous"] = outcome(status)
        if status >= 500 or status == 422 or outcome(status) != want:
            failures.append(f"{key[0]} {key[1]} without a token: want {want}, got {status} {text}")
    if dump:
        with open(dump, "w") as out:
            for (method, path), row in observed.items():
                out.write(f"{method} {path} {row}\n")
    elapsed = time.monotonic() - started
    # Shown with -s or on failure: how much the matrix covered.
    print(f"authorisation matrix: {len(routes)} routes, {cells} cells, {elapsed:.1f} s")  # noqa: T201
    assert cells > 300
    assert not failures, f"{len(failures)} of {cells} cells:\n" + "\n".join(failures)
