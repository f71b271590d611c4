"""What each cell of the page matrix (tests/test_page_matrix.py) sends: per route, the path
parameters and the form, query or files of a call that would succeed for a caller let through."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from collecte.auth.models import Role
from collecte.core.web import CSRF_HEADER
from collecte.devices.checklists import Category
from tests.devices.pagehelpers import passing_form
from tests.factories.accounts import PASSWORD
from tests.matrix_world import DAY, World
from tests.orgs.images import image_bytes
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
