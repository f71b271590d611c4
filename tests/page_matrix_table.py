"""The page matrix's expected table (tests/test_page_matrix.py), read from each page's code and
checked against the API matrix's rule for the page's twin (tests/test_authorisation_matrix.py): the
pages call the same services and policies, so each rule below is the API twin's unless a comment says
why not. Outcome classes as in the API matrix, plus "login" (sent to the sign-in form)."""

from __future__ import annotations

from tests.matrix_world import E403, E404, EVERYONE, OK, A, C, D, P, Rule, T, U, r

LOGIN = "login"
E422 = "422"

# The sign-in, language and document-check pages: anyone, signed in or not.
PUBLIC = r(EVERYONE, other=OK, public=True)
# Pages every signed-in caller reaches, each listing what it may see (the home page, the lists).
ANY_SIGNED_IN = r(EVERYONE, other=OK)
# Organisation A's device, pickups and donor documents (the API's READ_A).
READ_A = r(A, U, C, T, D, refused=E404)
# Workshop work on A's device (the API's WORKSHOP_WRITE): the page looks the device up for work first
# (get_device_for_work), so a role that may see it but not work on it is refused (403), the others
# told "not found".
WORKSHOP_WRITE = r(A, C, T, other_refused=E404, cells={"partner": E404})
# Workshop forms with no object of A in them (intake, import, scan station, label sheet): staff of
# either workshop; require_workshop_staff / require_scan_role / require_label_printer refuse by role.
STAFF_FORM = r(A, C, T, other=OK)
# The donor's pickup changes with the planners (the API's PICKUP_EDIT).
PICKUP_EDIT = r(A, C, D, other_refused=E404, cells={"partner": E404})
# Partner A's request and shipments (the API's READ_REQUEST, DECIDE, SHIP).
READ_REQUEST = r(A, U, C, T, P, refused=E404)
DECIDE = r(A, C, other_refused=E404, cells={"donor": E404})
SHIP = r(A, C, T, other_refused=E404, cells={"donor": E404})
# A device delivered to partner A: only its partner (and the operator) return it or hand it over.
RECEIVER_WRITE = r(A, P, other_refused=E404)

EXPECTED: dict[tuple[str, str], Rule] = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,  # each caller signs in with its own account (anonymous: C of A's)
    # Signing out ends at the sign-in form, whoever asks: "login" for everyone, by design.
    ("POST", "/logout"): r(refused=LOGIN),
    ("GET", "/language/{language}"): PUBLIC,
    ("GET", "/verify"): PUBLIC,
    ("POST", "/verify"): PUBLIC,  # a genuine copy: a forged one is a 404 for anyone
    ("GET", "/"): ANY_SIGNED_IN,
    ("GET", "/devices"): ANY_SIGNED_IN,
    ("GET", "/devices/new"): STAFF_FORM,
    # Intake naming A's site: B's staff get the form again with not_own_site (422), as in the API.
    ("POST", "/devices/new"): r(A, C, T, other=E422),
    ("GET", "/devices/import"): STAFF_FORM,
    ("GET", "/devices/import/example.csv"): STAFF_FORM,
    ("POST", "/devices/import"): r(A, C, T, other=E422),
    ("GET", "/devices/{code}"): READ_A,
    ("GET", "/devices/{code}/erasure-certificate.pdf"): READ_A,
    **{
        ("POST", f"/devices/{{code}}/{action}"): WORKSHOP_WRITE
        for action in (
            "transition",
            "storage-absent",
            "hold",
            "release",
            "move",
            "diagnosis",
            "erasure",
            "erasure-log",
            "grade",
            "repairs",
        )
    },
    # Labels and scanning refuse by role first (403 for every non-staff role, A or B), then B's staff
    # are told A's device is "not found", as the API's label.pdf, labels and scan.
    ("GET", "/devices/{code}/label"): r(A, C, T),
    ("GET", "/labels"): STAFF_FORM,
    ("POST", "/labels"): r(A, C, T),
    ("GET", "/scan"): STAFF_FORM,
    ("POST", "/scan/submit"): r(A, C, T),
    # The board: the API's list gives a partner an empty list, the page refuses it outright
    # (partner_has_no_pickups, 403): stricter, not a leak; the page would have nothing to show.
    ("GET", "/pickups"): r(A, U, C, T, D, other=OK),
    # The booking form is the same for both workshops (no object of A in it); booking for donor A
    # is refused to B's coordinator as in the API (A's département is not one B serves). A donor's
    # form has no donor field (it books for itself), so donor B's booking is its own: ok, where the
    # API's cell names donor A in the body and is refused.
    ("GET", "/pickups/new"): r(A, C, D, other=OK),
    ("POST", "/pickups/new"): r(A, C, D, other=E403, cells={"donor@other": OK}),
    ("GET", "/pickups/{pickup_id}"): READ_A,
    ("GET", "/pickups/{pickup_id}/edit"): PICKUP_EDIT,
    ("POST", "/pickups/{pickup_id}/edit"): PICKUP_EDIT,
    ("POST", "/pickups/{pickup_id}/cancel"): PICKUP_EDIT,
    ("POST", "/pickups/{pickup_id}/inventory"): PICKUP_EDIT,
    ("POST", "/pickups/{pickup_id}/schedule"): r(A, C, other_refused=E404, cells={"partner": E404}),
    ("POST", "/pickups/{pickup_id}/collect"): WORKSHOP_WRITE,
    ("GET", "/pickups/run-sheet"): r(A, C, T),
    ("GET", "/pickups/run-sheet.pdf"): r(A, C, T),
    ("GET", "/pickups/{pickup_id}/reconciliation"): READ_A,
    ("GET", "/pickups/{pickup_id}/receipt"): READ_A,  # the API's donation-receipt
    ("GET", "/pickups/{pickup_id}/collection-proof.pdf"): READ_A,
    ("GET", "/pickups/{pickup_id}/erasure-certificate.pdf"): READ_A,
    ("GET", "/requests"): ANY_SIGNED_IN,
    # A partner files for itself, the operator for one (each caller's own: no object of A).
    ("GET", "/requests/new"): r(A, P, other=OK),
    ("POST", "/requests/new"): r(A, P, other=OK),
    ("GET", "/requests/allocate"): r(A, C, other=OK),
    ("POST", "/requests/allocate"): r(A, C, other=OK),
    ("GET", "/requests/{request_id}"): READ_REQUEST,
    ("POST", "/requests/{request_id}/approve"): DECIDE,
    ("POST", "/requests/{request_id}/reject"): DECIDE,
    ("POST", "/requests/{request_id}/lines/{line_id}"): DECIDE,
    ("POST", "/requests/{request_id}/allocate"): DECIDE,
    ("POST", "/requests/{request_id}/cancel"): r(
        A, C, P, other_refused=E404, cells={"donor": E404}
    ),
    ("GET", "/shipments"): ANY_SIGNED_IN,
    ("POST", "/shipments/new"): SHIP,
    ("GET", "/shipments/{shipment_id}"): READ_REQUEST,
    ("GET", "/shipments/{shipment_id}/delivery-note.pdf"): READ_REQUEST,
    ("POST", "/shipments/{shipment_id}/pick"): SHIP,
    ("POST", "/shipments/{shipment_id}/dispatch"): SHIP,
    ("POST", "/shipments/{shipment_id}/deliver"): r(
        A, P, other_refused=E404, cells={"donor": E404}
    ),
    ("GET", "/handovers"): ANY_SIGNED_IN,
    ("POST", "/handovers"): RECEIVER_WRITE,
    ("GET", "/handovers/{handover_id}/receipt.pdf"): r(A, U, P, refused=E404),
    # The return form names no device until posted: the receivers of either side get it.
    ("GET", "/returns"): r(A, P, other=OK),
    ("POST", "/returns"): RECEIVER_WRITE,
    # The impact report filtered to donor A, as the API's.
    ("GET", "/impact/report.pdf"): READ_A,
    # The dashboard and its CSV filter by donor A, as the API's impact cells do.
    ("GET", "/impact/dashboard"): READ_A,
    ("GET", "/impact/dashboard.csv"): READ_A,
    # The public impact page and its badge: anyone, signed in or not.
    ("GET", "/impact"): PUBLIC,
    ("GET", "/impact/widget.svg"): PUBLIC,
    # The operator's organisation and site pages: the operator only (403 for every other role).
    **{
        (method, path): r(A)
        for method, path in (
            ("GET", "/admin/organizations"),
            ("GET", "/admin/organizations/new"),
            ("POST", "/admin/organizations/new"),
            ("GET", "/admin/organizations/{organization_id}"),
            ("POST", "/admin/organizations/{organization_id}"),
            ("POST", "/admin/organizations/{organization_id}/logo"),
            ("POST", "/admin/organizations/{organization_id}/logo/remove"),
            # The page's copy of the logo is the operator's; the API serves it to its readers.
            ("GET", "/admin/organizations/{organization_id}/logo"),
            ("GET", "/admin/organizations/{organization_id}/sites/new"),
            ("POST", "/admin/organizations/{organization_id}/sites/new"),
            ("GET", "/admin/sites"),
            ("GET", "/admin/sites/{site_id}"),
            ("POST", "/admin/sites/{site_id}"),
        )
    },
    # A pickup's position set by hand: as the API's (the planners).
    ("POST", "/pickups/{pickup_id}/position"): r(A, C, other_refused=E404, cells={"partner": E404}),
    # The operator's account pages (the API's users routes are its twins where they do the same).
    ("GET", "/admin/users"): r(A),
    ("GET", "/admin/users/new"): r(A),
    ("POST", "/admin/users/new"): r(A),
    ("GET", "/admin/users/{user_id}"): r(A),
    ("POST", "/admin/users/{user_id}"): r(A),
    ("POST", "/admin/users/{user_id}/active"): r(A),
    ("POST", "/admin/users/{user_id}/reset-link"): r(A),
    # Each caller's own account and password.
    ("GET", "/account"): ANY_SIGNED_IN,
    ("POST", "/account/password"): ANY_SIGNED_IN,
    # "Forgot password" and the link it sends: anyone, signed in or not. Setting the password ends
    # every session and leads to the sign-in form: "login" for everyone, by design (as /logout).
    ("GET", "/password/forgot"): PUBLIC,
    ("POST", "/password/forgot"): PUBLIC,
    ("GET", "/password/reset/{token}"): PUBLIC,
    ("POST", "/password/reset/{token}"): r(refused=LOGIN),
    # The outbox, as the API reads it: the operator, and coordinators for their own pickups.
    ("GET", "/outbox"): r(A, C, other=OK),
    ("POST", "/outbox/{message_id}/resend"): r(A, C),
}


def anonymous_expects(rule: Rule) -> str:
    return OK if rule.public else LOGIN


def matches(want: str, got: str) -> bool:
    """A 422 is a form refused once the caller was let through: "ok" unless the table wants 422."""
    return got == want or (want == OK and got == E422)


API = "/api/v1"
# Each page or form whose API twin does the same thing, with the twin's (method, path): the test
# checks that both have the same rule, except the pages in DIFFERS, each with its reason.
TWINS: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/login"): ("POST", f"{API}/auth/token"),
    ("GET", "/verify"): ("GET", f"{API}/documents/verify"),
    ("GET", "/devices"): ("GET", f"{API}/devices"),
    ("POST", "/devices/new"): ("POST", f"{API}/devices"),
    ("POST", "/devices/import"): ("POST", f"{API}/devices/import"),
    ("GET", "/devices/{code}"): ("GET", f"{API}/devices/{{code}}"),
    ("GET", "/devices/{code}/label"): ("GET", f"{API}/devices/{{code}}/label.pdf"),
    ("POST", "/labels"): ("POST", f"{API}/labels"),
    ("POST", "/scan/submit"): ("POST", f"{API}/scan"),
    ("GET", "/pickups"): ("GET", f"{API}/pickups"),
    ("POST", "/pickups/new"): ("POST", f"{API}/pickups"),
    ("GET", "/pickups/{pickup_id}/edit"): ("PATCH", f"{API}/pickups/{{pickup_id}}"),
    ("POST", "/pickups/{pickup_id}/edit"): ("PATCH", f"{API}/pickups/{{pickup_id}}"),
    ("POST", "/pickups/{pickup_id}/inventory"): ("PUT", f"{API}/pickups/{{pickup_id}}/inventory"),
    ("GET", "/pickups/{pickup_id}/receipt"): (
        "GET",
        f"{API}/pickups/{{pickup_id}}/donation-receipt",
    ),
    ("GET", "/requests"): ("GET", f"{API}/requests"),
    ("POST", "/requests/new"): ("POST", f"{API}/requests"),
    ("GET", "/requests/allocate"): ("POST", f"{API}/requests/allocate"),
    ("POST", "/requests/{request_id}/lines/{line_id}"): (
        "PATCH",
        f"{API}/requests/{{request_id}}/lines/{{line_id}}",
    ),
    ("GET", "/shipments"): ("GET", f"{API}/shipments"),
    ("POST", "/shipments/new"): ("POST", f"{API}/shipments"),
    ("POST", "/shipments/{shipment_id}/pick"): (
        "POST",
        f"{API}/shipments/{{shipment_id}}/devices",
    ),
    ("GET", "/handovers"): ("GET", f"{API}/handovers"),
    ("POST", "/handovers"): ("POST", f"{API}/handovers"),
    ("POST", "/returns"): ("POST", f"{API}/returns"),
    ("GET", "/impact/dashboard"): ("GET", f"{API}/impact"),
    ("GET", "/impact/dashboard.csv"): ("GET", f"{API}/impact.csv"),
    ("POST", "/admin/organizations/new"): ("POST", f"{API}/organizations"),
    ("POST", "/admin/organizations/{organization_id}"): (
        "PATCH",
        f"{API}/organizations/{{organization_id}}",
    ),
    ("POST", "/admin/organizations/{organization_id}/logo"): (
        "PUT",
        f"{API}/organizations/{{organization_id}}/logo",
    ),
    ("POST", "/admin/organizations/{organization_id}/logo/remove"): (
        "DELETE",
        f"{API}/organizations/{{organization_id}}/logo",
    ),
    ("POST", "/admin/organizations/{organization_id}/sites/new"): ("POST", f"{API}/sites"),
    ("POST", "/admin/sites/{site_id}"): ("PATCH", f"{API}/sites/{{site_id}}"),
    ("POST", "/admin/users/new"): ("POST", f"{API}/users"),
    ("POST", "/admin/users/{user_id}"): ("PATCH", f"{API}/users/{{user_id}}"),
    ("POST", "/admin/users/{user_id}/active"): ("PATCH", f"{API}/users/{{user_id}}"),
    ("POST", "/account/password"): ("POST", f"{API}/users/me/password"),
    ("GET", "/outbox"): ("GET", f"{API}/outbox"),
    ("POST", "/outbox/{message_id}/resend"): ("POST", f"{API}/outbox/{{message_id}}/resend"),
    # The same path under /api/v1, same method.
    **{
        (method, path): (method, f"{API}{path}")
        for method, path in (
            ("GET", "/devices/{code}/erasure-certificate.pdf"),
            *(
                ("POST", f"/devices/{{code}}/{action}")
                for action in (
                    "transition",
                    "storage-absent",
                    "hold",
                    "release",
                    "move",
                    "diagnosis",
                    "erasure",
                    "erasure-log",
                    "grade",
                    "repairs",
                )
            ),
            ("GET", "/pickups/{pickup_id}"),
            ("POST", "/pickups/{pickup_id}/cancel"),
            ("POST", "/pickups/{pickup_id}/schedule"),
            ("POST", "/pickups/{pickup_id}/collect"),
            ("GET", "/pickups/run-sheet"),
            ("GET", "/pickups/run-sheet.pdf"),
            ("GET", "/pickups/{pickup_id}/reconciliation"),
            ("GET", "/pickups/{pickup_id}/collection-proof.pdf"),
            ("GET", "/pickups/{pickup_id}/erasure-certificate.pdf"),
            ("POST", "/requests/allocate"),
            ("GET", "/requests/{request_id}"),
            ("POST", "/requests/{request_id}/approve"),
            ("POST", "/requests/{request_id}/reject"),
            ("POST", "/requests/{request_id}/cancel"),
            ("POST", "/requests/{request_id}/allocate"),
            ("GET", "/shipments/{shipment_id}"),
            ("GET", "/shipments/{shipment_id}/delivery-note.pdf"),
            ("POST", "/shipments/{shipment_id}/dispatch"),
            ("POST", "/shipments/{shipment_id}/deliver"),
            ("GET", "/handovers/{handover_id}/receipt.pdf"),
            ("GET", "/impact/report.pdf"),
            ("POST", "/pickups/{pickup_id}/position"),
        )
    },
}
# Pages whose rule is not their twin's, deliberately (see the comments in EXPECTED).
DIFFERS: dict[tuple[str, str], str] = {
    ("GET", "/pickups"): "the board refuses a partner (403); the API lists nothing for it",
    ("POST", "/pickups/new"): "a donor's form books for itself; the API cell names donor A",
}
