"""Who may see and do what with requests: one place for their scoping and rights.

``visible_requests`` is the SQL every request list, page, API answer and document reads through;
the ``may_*`` answer what a page offers and the ``require_*`` refuse what a service must not do.
"""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from collecte.auth.models import Role
from collecte.auth.policy import NETWORK_WIDE_ROLES, WORKSHOP_ROLES, Principal, plans
from collecte.core.errors import Forbidden
from collecte.core.vocabulary import N_
from collecte.orgs.models import served_territories
from collecte.requests.models import EquipmentRequest


def visible_requests(viewer: Principal) -> Select[EquipmentRequest]:
    """Requests a viewer may read: its own for a partner; for workshop staff, those addressed to
    their workshop and those from a département it serves; all for the operator and auditors."""
    query = select(EquipmentRequest)
    if viewer.role in NETWORK_WIDE_ROLES:
        return query
    if viewer.role is Role.PARTNER:
        return query.where(EquipmentRequest.partner_id == viewer.organization_id)
    if viewer.role in WORKSHOP_ROLES:
        served = served_territories(viewer.organization_id).scalar_subquery()
        return query.where(
            or_(
                EquipmentRequest.workshop_id == viewer.organization_id,
                EquipmentRequest.territory.in_(served),
            )
        )
    return query.where(false())


def may_submit(viewer: Principal) -> bool:
    """A partner asks for itself; the operator may file a request for a partner."""
    return viewer.role in {Role.PARTNER, Role.ADMIN}


def require_submit(viewer: Principal) -> None:
    if not may_submit(viewer):
        raise Forbidden(
            "may_not_request_devices",
            N_("a %(role)s may not request devices"),
            role=viewer.role,
        )


def files_for_itself(viewer: Principal) -> bool:
    """A partner's requests are its own organisation's (no partner to name); the operator names
    the partner it files for."""
    return viewer.role is Role.PARTNER


def may_decide(viewer: Principal, request: EquipmentRequest) -> bool:
    """Approve, reject, change lines, allocate: the operator, or a coordinator of the workshop the
    request is addressed to."""
    if viewer.role is Role.ADMIN:
        return True
    return viewer.role is Role.COORDINATOR and viewer.organization_id == request.workshop_id


def require_decide(viewer: Principal, request: EquipmentRequest) -> None:
    if not may_decide(viewer, request):
        raise Forbidden(
            "may_not_decide_request",
            N_("only a coordinator of the workshop it is addressed to may act on this request"),
        )


def require_allocator(viewer: Principal) -> None:
    """An allocation run over every approved request is the planners' (operator, coordinators)."""
    if not plans(viewer):
        raise Forbidden(
            "may_not_allocate", N_("a %(role)s may not allocate devices"), role=viewer.role
        )


def may_ship(viewer: Principal, request: EquipmentRequest) -> bool:
    """Pick, dispatch and print the delivery note: the operator or the addressed workshop's staff."""
    if viewer.role is Role.ADMIN:
        return True
    return viewer.role in WORKSHOP_ROLES and viewer.organization_id == request.workshop_id


def require_ship(viewer: Principal, request: EquipmentRequest) -> None:
    if not may_ship(viewer, request):
        raise Forbidden(
            "may_not_ship",
            N_("only the staff of the workshop the request is addressed to may ship it"),
        )


def may_cancel(viewer: Principal, request: EquipmentRequest) -> bool:
    """Its partner, or whoever decides on it."""
    if viewer.role is Role.PARTNER:
        return viewer.organization_id == request.partner_id
    return may_decide(viewer, request)


def require_cancel(viewer: Principal, request: EquipmentRequest) -> None:
    if not may_cancel(viewer, request):
        raise Forbidden("may_not_cancel_request", N_("you may not cancel this request"))


def receives(viewer: Principal) -> bool:
    """Whether the viewer's role confirms deliveries and records hand-overs and returns at all
    (which partner's devices is checked on each one): partners, and the operator for them."""
    return viewer.role in {Role.PARTNER, Role.ADMIN}


def require_receiver(viewer: Principal) -> None:
    if not receives(viewer):
        raise Forbidden(
            "may_not_record_handovers",
            N_("a %(role)s does not record deliveries, hand-overs or returns"),
            role=viewer.role,
        )


def may_receive(viewer: Principal, partner_id: int) -> bool:
    """Confirm a delivery, record hand-overs and returns: the partner's own people (and the
    operator, who may record them for a partner without a computer)."""
    if viewer.role is Role.ADMIN:
        return True
    return viewer.role is Role.PARTNER and viewer.organization_id == partner_id


def require_receive(viewer: Principal, partner_id: int) -> None:
    if not may_receive(viewer, partner_id):
        raise Forbidden(
            "may_not_receive",
            N_("only the partner the devices were sent to may record this"),
        )
