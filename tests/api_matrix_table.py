"""The API authorisation matrix's expected table (tests/test_authorisation_matrix.py): per route,
who is let through, on organisation A's objects and on B's."""

from __future__ import annotations

from tests.matrix_world import E403, E404, EVERYONE, OK, A, C, D, P, Rule, T, U, r

# Reads of organisation A's devices, pickups and donor documents: the workshop serving A and the donor
# A see them, the operator and the auditor too; a partner and anyone of B are told "not found".
READ_A = r(A, U, C, T, D, refused=E404)
# Workshop work on A's device: its staff; auditor and donor are refused by role (403), the partner
# and B, who may not see the device, get 404.
WORKSHOP_WRITE = r(A, C, T, other_refused=E404, cells={"partner": E404})
# The same for the donor's changes to its own pickup (edit, cancel, inventory), with the planners.
PICKUP_EDIT = r(A, C, D, other_refused=E404, cells={"partner": E404})
# What every signed-in caller may call: lists filtered to what the caller sees, reference data.
ANY_SIGNED_IN = r(EVERYONE, other=OK)
# The operator's own administration.
ADMIN_ONLY = r(A)
# Intake names a site: staff of another workshop naming A's site are refused as invalid input
# (422 not_own_site), not 403.
INTAKE = r(A, C, T, other="422")

# Partner A's request and shipments: the partner, the workshop addressed, operator and auditor.
READ_REQUEST = r(A, U, C, T, P, refused=E404)
# Decisions on it: the operator and the addressed workshop's coordinator; those who see it but may
# not decide are refused (403), the others told "not found".
DECIDE = r(A, C, other_refused=E404, cells={"donor": E404})
# Picking and dispatching: the operator and the addressed workshop's staff.
SHIP = r(A, C, T, other_refused=E404, cells={"donor": E404})

EXPECTED: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/auth/token"): r(EVERYONE, other=OK, public=True),
    ("GET", "/api/v1/documents/verify"): r(EVERYONE, other=OK, public=True),
    ("GET", "/api/v1/checklists"): ANY_SIGNED_IN,
    ("GET", "/api/v1/labels/templates"): ANY_SIGNED_IN,
    ("GET", "/api/v1/devices"): ANY_SIGNED_IN,
    ("GET", "/api/v1/organizations"): ANY_SIGNED_IN,
    ("GET", "/api/v1/pickups"): ANY_SIGNED_IN,
    ("GET", "/api/v1/sites"): ANY_SIGNED_IN,
    ("GET", "/api/v1/users"): ANY_SIGNED_IN,
    ("GET", "/api/v1/users/me"): ANY_SIGNED_IN,
    # Another user of the caller's organisation: the coordinator sees its organisation's users, the
    # others only themselves (a donor or partner is given itself), so technician and auditor get 404.
    ("GET", "/api/v1/users/{user_id}"): r(A, C, D, P, refused=E404),
    ("POST", "/api/v1/users"): ADMIN_ONLY,
    ("POST", "/api/v1/organizations"): ADMIN_ONLY,
    ("PATCH", "/api/v1/organizations/{organization_id}"): ADMIN_ONLY,
    ("POST", "/api/v1/sites"): ADMIN_ONLY,
    # Each member reads its own organisation; B is told "not found".
    ("GET", "/api/v1/organizations/{organization_id}"): r(EVERYONE),
    ("GET", "/api/v1/sites/{site_id}"): r(A, U, C, T, refused=E404),
    ("PATCH", "/api/v1/sites/{site_id}"): ADMIN_ONLY,
    ("PUT", "/api/v1/organizations/{organization_id}/logo"): ADMIN_ONLY,
    ("DELETE", "/api/v1/organizations/{organization_id}/logo"): ADMIN_ONLY,
    # Workshop A's logo: whoever may read the workshop (its staff, operator, auditor).
    ("GET", "/api/v1/organizations/{organization_id}/logo"): r(A, U, C, T, refused=E404),
    ("POST", "/api/v1/devices"): INTAKE,
    ("POST", "/api/v1/devices/bulk"): INTAKE,
    ("POST", "/api/v1/devices/import"): INTAKE,
    ("GET", "/api/v1/devices/{code}"): READ_A,
    ("GET", "/api/v1/devices/{code}/events"): READ_A,
    ("GET", "/api/v1/devices/{code}/records"): READ_A,
    ("GET", "/api/v1/devices/{code}/erasure-certificate.pdf"): READ_A,
    ("POST", "/api/v1/devices/{code}/storage-absent"): WORKSHOP_WRITE,
    ("POST", "/api/v1/devices/{code}/transition"): WORKSHOP_WRITE,
    ("POST", "/api/v1/devices/{code}/diagnosis"): WORKSHOP_WRITE,
    ("POST", "/api/v1/devices/{code}/erasure"): WORKSHOP_WRITE,
    ("POST", "/api/v1/devices/{code}/erasure-log"): WORKSHOP_WRITE,
    ("POST", "/api/v1/devices/{code}/grade"): WORKSHOP_WRITE,
    ("POST", "/api/v1/devices/{code}/repairs"): WORKSHOP_WRITE,
    ("POST", "/api/v1/devices/{code}/hold"): WORKSHOP_WRITE,
    ("POST", "/api/v1/devices/{code}/release"): WORKSHOP_WRITE,
    ("POST", "/api/v1/devices/{code}/move"): WORKSHOP_WRITE,
    # Labels and scanning refuse by role first (403 for every non-staff role, A or B).
    ("GET", "/api/v1/devices/{code}/label.pdf"): r(A, C, T),
    ("POST", "/api/v1/labels"): r(A, C, T),
    ("POST", "/api/v1/scan"): r(A, C, T),
    ("GET", "/api/v1/organizations/{donor_id}/erasure-certificate.pdf"): READ_A,
    ("GET", "/api/v1/organizations/{donor_id}/traceability"): READ_A,
    # A coordinator of workshop B may not book for donor A in a département B does not serve: the
    # booking would vanish from its own board (collecte.pickups.service.request_pickup).
    ("POST", "/api/v1/pickups"): r(A, C, D, other=E403),
    # Requests: a partner files for itself (B's is served by B's workshop), the operator for one.
    ("POST", "/api/v1/requests"): r(A, P, other=OK),
    ("GET", "/api/v1/requests"): ANY_SIGNED_IN,
    ("POST", "/api/v1/requests/allocate"): r(A, C, other=OK),
    # A's request: its partner, the workshop it is addressed to, the operator and the auditor.
    ("GET", "/api/v1/requests/{request_id}"): READ_REQUEST,
    ("POST", "/api/v1/requests/{request_id}/approve"): DECIDE,
    ("POST", "/api/v1/requests/{request_id}/reject"): DECIDE,
    ("PATCH", "/api/v1/requests/{request_id}/lines/{line_id}"): DECIDE,
    ("POST", "/api/v1/requests/{request_id}/allocate"): DECIDE,
    ("POST", "/api/v1/requests/{request_id}/devices"): DECIDE,
    ("POST", "/api/v1/requests/{request_id}/release"): DECIDE,
    ("POST", "/api/v1/requests/{request_id}/cancel"): r(
        A, C, P, other_refused=E404, cells={"donor": E404}
    ),
    ("POST", "/api/v1/shipments"): SHIP,
    ("GET", "/api/v1/shipments"): ANY_SIGNED_IN,
    ("GET", "/api/v1/shipments/{shipment_id}"): READ_REQUEST,
    ("GET", "/api/v1/shipments/{shipment_id}/delivery-note.pdf"): READ_REQUEST,
    ("POST", "/api/v1/shipments/{shipment_id}/devices"): SHIP,
    ("POST", "/api/v1/shipments/{shipment_id}/dispatch"): SHIP,
    ("POST", "/api/v1/shipments/{shipment_id}/deliver"): r(
        A, P, other_refused=E404, cells={"donor": E404}
    ),
    # A device delivered to partner A: its donor, the workshop and the auditor see it but may not
    # return it nor record its hand-over.
    ("POST", "/api/v1/returns"): r(A, P, other_refused=E404),
    ("POST", "/api/v1/handovers"): r(A, P, other_refused=E404),
    ("GET", "/api/v1/handovers"): ANY_SIGNED_IN,
    # The receipt names the beneficiary's pseudonym: the partner's, the operator's and the
    # auditor's to read; the workshop that shipped the device is told "not found".
    ("GET", "/api/v1/handovers/{handover_id}/receipt.pdf"): r(A, U, P, refused=E404),
    # Only the hand-over's author corrects it; the operator and the auditor see it, no one else.
    ("POST", "/api/v1/handovers/{handover_id}/correct"): r(
        P, refused=E404, cells={"admin": E403, "auditor": E403}
    ),
    # Run sheets: the planners and the technicians who go on the rounds.
    ("GET", "/api/v1/pickups/run-sheet"): r(A, C, T),
    ("GET", "/api/v1/pickups/run-sheet.pdf"): r(A, C, T),
    ("GET", "/api/v1/pickups/{pickup_id}"): READ_A,
    ("GET", "/api/v1/pickups/{pickup_id}/events"): READ_A,
    ("GET", "/api/v1/pickups/{pickup_id}/reconciliation"): READ_A,
    ("GET", "/api/v1/pickups/{pickup_id}/collection-proof.pdf"): READ_A,
    ("GET", "/api/v1/pickups/{pickup_id}/erasure-certificate.pdf"): READ_A,
    ("GET", "/api/v1/pickups/{pickup_id}/donation-receipt"): READ_A,
    ("PATCH", "/api/v1/pickups/{pickup_id}"): PICKUP_EDIT,
    ("POST", "/api/v1/pickups/{pickup_id}/cancel"): PICKUP_EDIT,
    ("PUT", "/api/v1/pickups/{pickup_id}/inventory"): PICKUP_EDIT,
    ("POST", "/api/v1/pickups/{pickup_id}/schedule"): r(
        A, C, other_refused=E404, cells={"partner": E404}
    ),
    ("POST", "/api/v1/pickups/{pickup_id}/collect"): WORKSHOP_WRITE,
    # The notification outbox: the operator and coordinators, each seeing its own workshop's mail.
    ("GET", "/api/v1/outbox"): r(A, C, other=OK),
    # Impact filtered to donor A: those who may see donor A; a filter naming an organisation the
    # caller may not see is "not found".
    ("GET", "/api/v1/impact"): READ_A,
    ("GET", "/api/v1/impact.csv"): READ_A,
    # The event log's verification reads every organisation's events: network-wide roles only.
    ("GET", "/api/v1/audit/verify"): r(A, U),
    ("GET", "/api/v1/impact/report.pdf"): READ_A,
    # A pickup's position set by hand: the planners (like scheduling); who sees it but does not
    # plan is refused (403), the others told "not found".
    ("POST", "/api/v1/pickups/{pickup_id}/position"): r(
        A, C, other_refused=E404, cells={"partner": E404}
    ),
    # Accounts: the operator changes them (a coordinator reads its workshop's, changes none); each
    # caller changes its own password.
    ("PATCH", "/api/v1/users/{user_id}"): ADMIN_ONLY,
    ("POST", "/api/v1/users/me/password"): ANY_SIGNED_IN,
    # Sending again a message of A's pickups: who reads it (the operator, A's coordinator); B's
    # coordinator is told it does not exist.
    ("POST", "/api/v1/outbox/{message_id}/resend"): r(A, C),
}
