"""The page matrix: every HTML page and form of the app × every caller × own / other organisation.

The pages' half of tests/test_authorisation_matrix.py, generated the same way from the app's route
table (a page without an entry in EXPECTED fails, and so does an entry without a page), on the same
world (tests/matrix_world.py), each cell in a SAVEPOINT rolled back afterwards.

Callers are signed in with a session cookie made here, as the sign-in form would make it (user id,
password fingerprint, session version, CSRF token): no argon2 hash per caller, one TestClient per
caller kept for every cell. The anonymous caller has a session with a CSRF token and no user (a
visitor whose session ended), so that its form posts reach the sign-in check, not the CSRF one.

A cell's outcome is a class: "ok" is a 2xx, a 303 to anything but /login, or a 409/422 (a rule or
form refusal once the caller was let through); "login" is a 303 to /login or a 401; 403 and 404 are
themselves; any 5xx always fails. MATRIX_DUMP=<file> writes the observed classes, as in the API's.
"""

from __future__ import annotations

import json
import os
import time
from base64 import b64encode
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from itsdangerous import TimestampSigner
from sqlalchemy.orm import Session

from collecte.auth.deps import SESSION_FINGERPRINT_KEY, SESSION_USER_KEY, SESSION_VERSION_KEY
from collecte.auth.models import Role, User
from collecte.auth.tokens import fingerprint
from collecte.config import Settings
from collecte.core.web import CSRF_FIELD, CSRF_HEADER, CSRF_SESSION_KEY
from collecte.devices.checklists import Category
from tests.api_matrix_table import EXPECTED as API_EXPECTED
from tests.devices.pagehelpers import HTML, passing_form
from tests.factories.accounts import PASSWORD, auth_headers
from tests.matrix_world import DAY, OK, World, build_world, callers, label_of
from tests.orgs.images import image_bytes
from tests.page_matrix_table import (
    DIFFERS,
    E422,
    EXPECTED,
    LOGIN,
    TWINS,
    anonymous_expects,
    matches,
)
from tests.pickups.pagehelpers import BOOKING_FORM

COOKIE = "collecte_session"
CSRF = "matrix-csrf-token"
NWIPE_LOG = Path(__file__).parent / "devices" / "fixtures" / "nwipe-erased.log"
CSV = "category,brand,model,serial,has_storage,site_id\nlaptop,Lenovo,T470,PF-MATRIX,oui,{site}\n"
INVENTORY = "Numéro de série;Modèle\nPF-1;T480\n"
# Not pages, each with its reason; a path is left out when it is one of these or lies under one.
NOT_PAGES: dict[str, str] = {
    "/api": "the JSON API, which has its own matrix (tests/test_authorisation_matrix.py)",
    "/static": "stylesheets and scripts, served to anyone",
    "/docs": "the API's documentation (and its OAuth2 redirect), open to anyone",
    "/redoc": "the API's documentation, open to anyone",
    "/openapi.json": "the API's schema, open to anyone",
    "/healthz": "the load balancer's probe, open to anyone by design",
}
METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})

Call = dict[str, Any]  # path parameters under "path", the rest passed to client.request


def _booking(w: World, role: Role) -> Call:
    donor = {} if role is Role.DONOR else {"donor_id": str(w.donor.id)}
    return {"path": {"pickup_id": w.requested.id}, "data": {**BOOKING_FORM, **donor}}


CALLS: dict[tuple[str, str], Callable[[World, Role], Call]] = {
    ("GET", "/"): lambda w, _: {},
    ("GET", "/login"): lambda w, _: {},
    ("POST", "/login"): lambda w, role: {
        "data": {"email": w.users[(role, "own")].email, "password": PASSWORD}
    },
    ("POST", "/logout"): lambda w, _: {},
    ("GET", "/language/{language}"): lambda w, _: {"path": {"language": "en"}},
    ("GET", "/verify"): lambda w, _: {"params": {"code": w.document_code}},
    ("POST", "/verify"): lambda w, _: {
        "files": {"file": ("copy.pdf", w.document, "application/pdf")}
    },
    ("GET", "/devices"): lambda w, _: {},
    ("GET", "/devices/new"): lambda w, _: {},
    ("POST", "/devices/new"): lambda w, _: {
        "data": {
            "category": "laptop",
            "brand": "Dell",
            "model": "Latitude 5490",
            "has_storage": "yes",
            "site_id": str(w.site.id),
            "donor_id": str(w.donor.id),
        }
    },
    ("GET", "/devices/import"): lambda w, _: {},
    ("GET", "/devices/import/example.csv"): lambda w, _: {},
    ("POST", "/devices/import"): lambda w, _: {
        "files": {"file": ("devices.csv", CSV.format(site=w.site.id).encode(), "text/csv")}
    },
    ("GET", "/devices/{code}"): lambda w, _: {"path": {"code": w.device.code}},
    ("POST", "/devices/{code}/transition"): lambda w, _: {
        "path": {"code": w.device.code},
        "data": {"to": "parts"},
    },
    ("POST", "/devices/{code}/storage-absent"): lambda w, _: {
        "path": {"code": w.device.code},
        "data": {"note": "vérifié"},
    },
    ("POST", "/devices/{code}/hold"): lambda w, _: {
        "path": {"code": w.device.code},
        "data": {"reason": "contrôle"},
    },
    ("POST", "/devices/{code}/release"): lambda w, _: {"path": {"code": w.device.code}},
    ("POST", "/devices/{code}/move"): lambda w, _: {
        "path": {"code": w.device.code},
        "data": {"site_id": str(w.site.id)},
    },
    ("POST", "/devices/{code}/diagnosis"): lambda w, _: {
        "path": {"code": w.device.code},
        "data": {**passing_form(Category.LAPTOP), "result": "pass"},
    },
    ("POST", "/devices/{code}/erasure"): lambda w, _: {
        "path": {"code": w.device.code},
        "data": {
            "storage_serial": "DISK-1",
            "method": "PRNG Stream",
            "nist_level": "clear",
            "tool": "nwipe",
            "result": "erased",
        },
    },
    ("POST", "/devices/{code}/erasure-log"): lambda w, _: {
        "path": {"code": w.device.code},
        "files": {"log": ("nwipe.log", NWIPE_LOG.read_bytes(), "text/plain")},
    },
    ("POST", "/devices/{code}/grade"): lambda w, _: {
        "path": {"code": w.device.code},
        "data": {"functional": "F5", "cosmetic": "C6"},
    },
    ("POST", "/devices/{code}/repairs"): lambda w, _: {
        "path": {"code": w.device.code},
        "data": {"description": "clavier remplacé", "minutes": "20"},
    },
    ("GET", "/devices/{code}/label"): lambda w, _: {"path": {"code": w.device.code}},
    ("GET", "/devices/{code}/erasure-certificate.pdf"): lambda w, _: {
        "path": {"code": w.wiped.code}
    },
    ("GET", "/scan"): lambda w, _: {},
    ("POST", "/scan/submit"): lambda w, _: {
        "json": {"code": w.device.code, "action": "hold", "reason": "contrôle"},
        "headers": {CSRF_HEADER: CSRF},
    },
    ("GET", "/labels"): lambda w, _: {},
    ("POST", "/labels"): lambda w, _: {"data": {"codes": w.device.code}},
    ("GET", "/pickups"): lambda w, _: {},
    ("GET", "/pickups/new"): lambda w, _: {},
    ("POST", "/pickups/new"): lambda w, role: {"data": _booking(w, role)["data"]},
    ("GET", "/pickups/{pickup_id}"): lambda w, _: {"path": {"pickup_id": w.requested.id}},
    ("GET", "/pickups/{pickup_id}/edit"): lambda w, _: {"path": {"pickup_id": w.requested.id}},
    ("POST", "/pickups/{pickup_id}/edit"): _booking,
    ("POST", "/pickups/{pickup_id}/cancel"): lambda w, _: {
        "path": {"pickup_id": w.requested.id},
        "data": {"reason": "plus rien à donner"},
    },
    ("POST", "/pickups/{pickup_id}/inventory"): lambda w, _: {
        "path": {"pickup_id": w.requested.id},
        "files": {"inventory": ("inventaire.csv", INVENTORY.encode(), "text/csv")},
    },
    ("POST", "/pickups/{pickup_id}/schedule"): lambda w, _: {
        "path": {"pickup_id": w.requested.id},
        "data": {
            "date": DAY,
            "site_id": str(w.site.id),
            "window_start": "09:00",
            "window_end": "12:00",
        },
    },
    ("POST", "/pickups/{pickup_id}/collect"): lambda w, _: {
        "path": {"pickup_id": w.scheduled.id},
        "data": {"weight_kg": "6,2", "released_by": "C. Martin", "received_by": "A. Diallo"},
    },
    ("GET", "/pickups/run-sheet"): lambda w, _: {
        "params": {"date": DAY, "vehicle": "Van 1", "site_id": w.site.id}
    },
    ("GET", "/pickups/run-sheet.pdf"): lambda w, _: {
        "params": {"date": DAY, "vehicle": "Van 1", "site_id": w.site.id}
    },
    **{
        ("GET", f"/pickups/{{pickup_id}}/{leaf}"): lambda w, _: {
            "path": {"pickup_id": w.collected.id}
        }
        for leaf in ("reconciliation", "receipt", "collection-proof.pdf", "erasure-certificate.pdf")
    },
    ("GET", "/requests"): lambda w, _: {},
    ("GET", "/requests/new"): lambda w, _: {},
    ("POST", "/requests/new"): lambda w, role: {
        "data": {
            "rows": "1",
            "line_0_category": "laptop",
            "line_0_quantity": "1",
            **(
                {}
                if role is Role.PARTNER
                else {"partner_id": str(w.orgs[(Role.PARTNER, "own")].id)}
            ),
        }
    },
    ("GET", "/requests/allocate"): lambda w, _: {},
    ("POST", "/requests/allocate"): lambda w, _: {},
    ("GET", "/requests/{request_id}"): lambda w, _: {"path": {"request_id": w.approved}},
    ("POST", "/requests/{request_id}/approve"): lambda w, _: {"path": {"request_id": w.submitted}},
    ("POST", "/requests/{request_id}/reject"): lambda w, _: {
        "path": {"request_id": w.submitted},
        "data": {"reason": "hors de notre zone"},
    },
    ("POST", "/requests/{request_id}/cancel"): lambda w, _: {
        "path": {"request_id": w.submitted},
        "data": {"reason": "no_longer_needed"},
    },
    ("POST", "/requests/{request_id}/lines/{line_id}"): lambda w, _: {
        "path": {"request_id": w.submitted, "line_id": w.submitted_line},
        "data": {"quantity": "1", "reason": "stock limité"},
    },
    ("POST", "/requests/{request_id}/allocate"): lambda w, _: {"path": {"request_id": w.approved}},
    ("GET", "/shipments"): lambda w, _: {},
    ("POST", "/shipments/new"): lambda w, _: {"data": {"request_id": str(w.approved)}},
    ("GET", "/shipments/{shipment_id}"): lambda w, _: {
        "path": {"shipment_id": w.shipments["preparing"]}
    },
    ("POST", "/shipments/{shipment_id}/pick"): lambda w, _: {
        "path": {"shipment_id": w.shipments["preparing"]},
        "data": {"code": w.codes["allocated"]},
    },
    ("POST", "/shipments/{shipment_id}/dispatch"): lambda w, _: {
        "path": {"shipment_id": w.shipments["preparing"]}
    },
    ("POST", "/shipments/{shipment_id}/deliver"): lambda w, _: {
        "path": {"shipment_id": w.shipments["dispatched"]},
        "data": {"op": "confirm", "received": w.codes["shipped"]},
    },
    ("GET", "/shipments/{shipment_id}/delivery-note.pdf"): lambda w, _: {
        "path": {"shipment_id": w.shipments["dispatched"]}
    },
    ("GET", "/handovers"): lambda w, _: {},
    ("POST", "/handovers"): lambda w, _: {
        "data": {"device_code": w.codes["delivered"], "beneficiary_ref": "FAM-042"}
    },
    ("GET", "/handovers/{handover_id}/receipt.pdf"): lambda w, _: {
        "path": {"handover_id": w.handover}
    },
    ("GET", "/returns"): lambda w, _: {},
    ("GET", "/impact/report.pdf"): lambda w, _: {"params": {"donor_id": w.donor.id}},
    ("POST", "/returns"): lambda w, _: {
        "data": {
            "device_code": w.codes["delivered"],
            "reason": "ne convient pas",
            "personal_data_removed": "yes",
        }
    },
    ("GET", "/impact/dashboard"): lambda w, _: {"params": {"donor_id": w.donor.id}},
    ("GET", "/impact/dashboard.csv"): lambda w, _: {"params": {"donor_id": w.donor.id}},
    ("GET", "/impact"): lambda w, _: {},
    ("GET", "/impact/widget.svg"): lambda w, _: {},
    ("GET", "/admin/organizations"): lambda w, _: {"params": {"q": "a"}},
    ("GET", "/admin/organizations/new"): lambda w, _: {},
    ("POST", "/admin/organizations/new"): lambda w, _: {
        "data": {"kind": "partner", "name": "Nouvelle", "postcode": "75011", "city": "Paris"}
    },
    ("GET", "/admin/organizations/{organization_id}"): lambda w, _: {
        "path": {"organization_id": w.orgs[(Role.COORDINATOR, "own")].id}
    },
    ("POST", "/admin/organizations/{organization_id}"): lambda w, _: {
        "path": {"organization_id": w.orgs[(Role.COORDINATOR, "own")].id},
        "data": {"name": "Atelier A", "postcode": "93100", "city": "Montreuil"},
    },
    ("POST", "/admin/organizations/{organization_id}/logo"): lambda w, _: {
        "path": {"organization_id": w.orgs[(Role.COORDINATOR, "own")].id},
        "files": {"logo": ("logo.png", image_bytes(), "image/png")},
    },
    ("POST", "/admin/organizations/{organization_id}/logo/remove"): lambda w, _: {
        "path": {"organization_id": w.orgs[(Role.COORDINATOR, "own")].id}
    },
    ("GET", "/admin/organizations/{organization_id}/logo"): lambda w, _: {
        "path": {"organization_id": w.orgs[(Role.COORDINATOR, "own")].id}
    },
    ("GET", "/admin/organizations/{organization_id}/sites/new"): lambda w, _: {
        "path": {"organization_id": w.orgs[(Role.COORDINATOR, "own")].id}
    },
    ("POST", "/admin/organizations/{organization_id}/sites/new"): lambda w, _: {
        "path": {"organization_id": w.orgs[(Role.COORDINATOR, "own")].id},
        "data": {"name": "Annexe", "postcode": "93100", "city": "Montreuil"},
    },
    ("GET", "/admin/sites"): lambda w, _: {},
    ("GET", "/admin/sites/{site_id}"): lambda w, _: {"path": {"site_id": w.site.id}},
    ("POST", "/admin/sites/{site_id}"): lambda w, _: {
        "path": {"site_id": w.site.id},
        "data": {"name": "Entrepôt", "postcode": "93100", "city": "Montreuil"},
    },
    ("POST", "/pickups/{pickup_id}/position"): lambda w, _: {
        "path": {"pickup_id": w.requested.id},
        "data": {"latitude": "48,86", "longitude": "2,44", "use": "coordinates"},
    },
    ("GET", "/admin/users"): lambda w, _: {"params": {"q": "example", "role": "coordinator"}},
    ("GET", "/admin/users/new"): lambda w, _: {},
    ("POST", "/admin/users/new"): lambda w, _: {
        "data": {
            "email": "new.technician@example.org",
            "role": "technician",
            "organization_id": str(w.orgs[(Role.COORDINATOR, "own")].id),
        }
    },
    ("GET", "/admin/users/{user_id}"): lambda w, _: {
        "path": {"user_id": w.users[(Role.TECHNICIAN, "own")].id}
    },
    ("POST", "/admin/users/{user_id}"): lambda w, _: {
        "path": {"user_id": w.users[(Role.TECHNICIAN, "own")].id},
        "data": {
            "full_name": "Awa Diallo",
            "role": "technician",
            "organization_id": str(w.orgs[(Role.COORDINATOR, "own")].id),
            "integration_contract": "yes",
        },
    },
    ("POST", "/admin/users/{user_id}/active"): lambda w, _: {
        "path": {"user_id": w.users[(Role.TECHNICIAN, "own")].id},
        "data": {"active": "no"},
    },
    ("POST", "/admin/users/{user_id}/reset-link"): lambda w, _: {
        "path": {"user_id": w.users[(Role.TECHNICIAN, "own")].id}
    },
    ("GET", "/account"): lambda w, _: {},
    ("POST", "/account/password"): lambda w, _: {
        "data": {
            "current_password": PASSWORD,
            "new_password": "another long password",
            "confirm_password": "another long password",
        }
    },
    ("GET", "/password/forgot"): lambda w, _: {},
    ("POST", "/password/forgot"): lambda w, role: {"data": {"email": w.users[(role, "own")].email}},
    ("GET", "/password/reset/{token}"): lambda w, _: {"path": {"token": w.reset_token}},
    ("POST", "/password/reset/{token}"): lambda w, _: {
        "path": {"token": w.reset_token},
        "data": {
            "new_password": "another long password",
            "confirm_password": "another long password",
        },
    },
    ("GET", "/outbox"): lambda w, _: {"params": {"state": "queued"}},
    ("POST", "/outbox/{message_id}/resend"): lambda w, _: {"path": {"message_id": w.message}},
}


def page_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) of the route table that is a page or a form (see NOT_PAGES)."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        path = getattr(context, "path", None)
        methods = getattr(context, "methods", None) or set()
        if isinstance(path, str) and not any(
            path == prefix or path.startswith(f"{prefix}/") for prefix in NOT_PAGES
        ):
            found |= {(method, path) for method in methods if method in METHODS}
    return found


def session_cookie(settings: Settings, user: User | None) -> str:
    """The session cookie the sign-in form would set (SessionMiddleware's encoding), or a visitor's
    session holding only a CSRF token."""
    data: dict[str, Any] = {CSRF_SESSION_KEY: CSRF}
    if user is not None:
        data |= {
            SESSION_USER_KEY: user.id,
            SESSION_FINGERPRINT_KEY: fingerprint(user),
            SESSION_VERSION_KEY: user.session_version,
        }
    signer = TimestampSigner(str(settings.effective_secret_key))
    return signer.sign(b64encode(json.dumps(data).encode())).decode()


def outcome(response: Response) -> str:
    status = response.status_code
    if status == 303:
        return LOGIN if response.headers["location"].startswith("/login") else OK
    if status == 401:
        return LOGIN
    if 200 <= status < 300 or status == 409:
        return OK
    if status == 422:
        return E422
    return str(status)


def call(
    client: TestClient, cookie: str, db: Session, key: tuple[str, str], spec: Call
) -> Response:
    """One request inside a SAVEPOINT that is rolled back, with the caller's cookie as it was."""
    method, template = key
    kwargs = dict(spec)
    path = template.format(**kwargs.pop("path", {}))
    if method == "POST" and "json" not in kwargs:
        kwargs["data"] = {CSRF_FIELD: CSRF, **kwargs.get("data", {})}
    headers = {**HTML, **kwargs.pop("headers", {})}
    savepoint = db.begin_nested()
    try:
        return client.request(method, path, headers=headers, follow_redirects=False, **kwargs)
    finally:
        savepoint.rollback()
        db.expire_all()
        client.cookies.clear()  # a cell that signed out or in must not change the next one's caller
        client.cookies.set(COOKIE, cookie)


def test_page_matrix(client: TestClient, db: Session, settings: Settings) -> None:
    started = time.monotonic()
    app: FastAPI = client.app  # type: ignore[assignment]
    routes = page_routes(app)
    dump = os.environ.get("MATRIX_DUMP")
    if not dump:
        assert routes == set(EXPECTED), (
            f"pages without an entry: {sorted(routes - set(EXPECTED))}; "
            f"entries without a page: {sorted(set(EXPECTED) - routes)}"
        )
    assert routes == set(CALLS), sorted(routes ^ set(CALLS))
    world = build_world(db, client, settings)
    issued = client.get(
        f"/api/v1/devices/{world.wiped.code}/erasure-certificate.pdf",
        headers=auth_headers(settings, world.users[(Role.TECHNICIAN, "own")]),
    )
    assert issued.status_code == 200, issued.text
    world.document = issued.content  # a genuine copy, for the public check of an upload
    browsers: list[tuple[str, Role, TestClient, str, str]] = []
    for role, side in callers():
        cookie = session_cookie(settings, world.users[(role, side)])
        browsers.append(
            (
                label_of(role, side),
                role,
                TestClient(app, raise_server_exceptions=False),
                cookie,
                side,
            )
        )
    visitor = TestClient(app, raise_server_exceptions=False)
    browsers.append(("anonymous", Role.COORDINATOR, visitor, session_cookie(settings, None), ""))
    for _, _, browser, cookie, _ in browsers:
        browser.cookies.set(COOKIE, cookie)
    failures: list[str] = []
    observed: dict[tuple[str, str], dict[str, str]] = {}
    cells = 0
    for key in sorted(routes, key=lambda k: (k[1], k[0])):
        rule = EXPECTED.get(key)
        row = observed.setdefault(key, {})
        for label, role, browser, cookie, side in browsers:
            response = call(browser, cookie, db, key, CALLS[key](world, role))
            got = outcome(response)
            row[label] = f"{got} {response.status_code}"
            cells += 1
            if rule is None:
                continue
            want = anonymous_expects(rule) if not side else rule.expect(role, side)
            if response.status_code >= 500 or not matches(want, got):
                failures.append(
                    f"{key[0]} {key[1]} as {label}: want {want}, got {response.status_code} "
                    f"{response.headers.get('location', '')} {response.text[:200]}"
                )
    if dump:
        with open(dump, "w") as out:
            for (method, path), row in observed.items():
                out.write(f"{method} {path} {row}\n")
    elapsed = time.monotonic() - started
    # Shown with -s or on failure: how much the matrix covered.
    print(f"page matrix: {len(routes)} routes, {cells} cells, {elapsed:.1f} s")  # noqa: T201
    assert cells > 600
    assert not failures, f"{len(failures)} of {cells} cells:\n" + "\n".join(failures)


def test_pages_follow_their_api_twins() -> None:
    """A page and its API twin answer the same callers the same way, unless DIFFERS says why."""
    assert set(TWINS) <= set(EXPECTED)
    assert set(TWINS.values()) <= set(API_EXPECTED)
    assert set(DIFFERS) <= set(TWINS)
    unlike = {page for page, api in TWINS.items() if EXPECTED[page] != API_EXPECTED[api]}
    assert unlike == set(DIFFERS), sorted(unlike ^ set(DIFFERS))
