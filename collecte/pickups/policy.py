"""Who may see and do what with pickups: one place for the pickups' scoping and rights.

``visible_pickups`` is the SQL every pickup list, page, PDF and the outbox read through;
the ``may_*`` answer what a page offers and the ``require_*`` refuse what a service must not do.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.auth.policy import (
    NETWORK_WIDE_ROLES,
    PLANNERS,
    WORKSHOP_ROLES,
    Principal,
    does_workshop_work,
    plans,
)
from collecte.core.errors import Conflict, Forbidden, Reason
from collecte.core.vocabulary import N_
from collecte.orgs.models import Site, WorkshopTerritory, served_territories
from collecte.pickups.lifecycle import EDITABLE, PICKUP_MACHINE
from collecte.pickups.models import Pickup, PickupStatus

CANCELLABLE = tuple(s for s in PickupStatus if PICKUP_MACHINE.can(s, PickupStatus.CANCELLED))


SCHEDULABLE = tuple(s for s in PickupStatus if PICKUP_MACHINE.can(s, PickupStatus.SCHEDULED))


# Who books pickups: a donor for itself, the planners for a donor.
BOOKERS: frozenset[Role] = frozenset({Role.DONOR, *PLANNERS})


def visible_pickups(viewer: Principal) -> Select[Pickup]:
    """Pickups a viewer may read: its own for a donor; for workshop staff, the requests waiting in
    a département their workshop serves and those scheduled at their sites; all for the operator
    and auditors."""
    query = select(Pickup)
    if viewer.role in NETWORK_WIDE_ROLES:
        return query
    if viewer.role is Role.DONOR:
        return query.where(Pickup.donor_id == viewer.organization_id)
    if viewer.role in WORKSHOP_ROLES:
        own_sites = select(Site.id).where(Site.organization_id == viewer.organization_id)
        served = served_territories(viewer.organization_id)
        return query.where(
            or_(
                # Not planned yet (requested, or cancelled before it was): the workshops serving
                # its département may take it on. Once it has a site, only that site's workshop.
                and_(
                    Pickup.site_id.is_(None),
                    Pickup.status.in_([PickupStatus.REQUESTED, PickupStatus.CANCELLED]),
                    Pickup.territory.in_(served.scalar_subquery()),
                ),
                Pickup.site_id.in_(own_sites.scalar_subquery()),
            )
        )
    return query.where(false())


def seen_by_a_workshop(session: Session, pickup: Pickup) -> bool:
    """Whether some workshop's staff read this pickup (``visible_pickups``' workshop branch): the
    one whose site it is planned at, else those serving its département. What a donor is told
    about who reads a cancellation's reason rests on it."""
    if pickup.site_id is not None:
        return True
    served = exists().where(WorkshopTerritory.territory == pickup.territory)
    return bool(session.scalar(select(served)))


def may_change(viewer: Principal, pickup: Pickup) -> bool:
    """Whether the viewer may edit or cancel this pickup: its donor, a coordinator, the operator."""
    if viewer.role is Role.DONOR:
        return viewer.organization_id == pickup.donor_id
    return plans(viewer)


def require_change(viewer: Principal, pickup: Pickup) -> None:
    """Refuse someone who may not edit or cancel this pickup."""
    if not may_change(viewer, pickup):
        raise Forbidden(
            "may_not_change_pickup",
            N_("a %(role)s may not change this pickup"),
            role=viewer.role,
        )


def may_edit(viewer: Principal, pickup: Pickup) -> bool:
    """Whether the viewer may still edit this request (it is not scheduled yet)."""
    return may_change(viewer, pickup) and pickup.status in EDITABLE


def may_cancel(viewer: Principal, pickup: Pickup) -> bool:
    return may_change(viewer, pickup) and pickup.status in CANCELLABLE


def may_schedule(viewer: Principal, pickup: Pickup) -> bool:
    return plans(viewer) and pickup.status in SCHEDULABLE


def may_collect(viewer: Principal, pickup: Pickup) -> bool:
    return does_workshop_work(viewer) and pickup.status is PickupStatus.SCHEDULED


# A position is corrected while the van may still need it.
POSITIONED = (PickupStatus.REQUESTED, PickupStatus.SCHEDULED)


def may_correct_position(viewer: Principal, pickup: Pickup) -> bool:
    """Planners (the operator, coordinators) set a position by hand until the pickup is collected."""
    return plans(viewer) and pickup.status in POSITIONED


def require_position_change(viewer: Principal, pickup: Pickup) -> None:
    """Refuse a position set by someone who does not plan, or on a pickup already done with."""
    if not plans(viewer):
        raise Forbidden(
            "may_not_correct_position",
            N_("a %(role)s may not correct a pickup's position"),
            role=viewer.role,
        )
    if pickup.status not in POSITIONED:
        raise Conflict(
            "position_closed",
            N_("a %(status)s pickup's position can no longer be corrected"),
            status=pickup.status,
        )


def require_editable(viewer: Principal, pickup: Pickup) -> None:
    """Refuse an edit by someone who may not change the pickup, or once it is scheduled."""
    require_change(viewer, pickup)
    if pickup.status not in EDITABLE:
        raise PICKUP_MACHINE.refuse(
            Reason(
                "pickup_not_editable",
                N_("a %(status)s pickup can no longer be edited"),
                {"status": pickup.status},
            ),
            allowed=PICKUP_MACHINE.allowed_next(pickup.status),
        )


def may_read_run_sheets(viewer: Principal) -> bool:
    """Run sheets are for those who plan rounds and those who go on them: the operator and the
    workshops' staff (a technician who records collections reads the sheet of the van)."""
    return does_workshop_work(viewer)


def require_run_sheet_reader(viewer: Principal) -> None:
    if not may_read_run_sheets(viewer):
        raise Forbidden(
            "may_not_read_run_sheets", N_("a %(role)s may not read run sheets"), role=viewer.role
        )


def may_book(viewer: Principal) -> bool:
    """A donor books for itself; the operator and coordinators book for a donor."""
    return viewer.role in BOOKERS


def require_booker(viewer: Principal) -> None:
    if not may_book(viewer):
        raise Forbidden(
            "may_not_book_pickups", N_("a %(role)s may not book pickups"), role=viewer.role
        )


def books_for_itself(viewer: Principal) -> bool:
    """A donor's bookings are its own organisation's (no donor to choose on the form)."""
    return viewer.role is Role.DONOR


def has_pickups(viewer: Principal) -> bool:
    """Everyone but partners has a pickup board (theirs is empty by design: they receive)."""
    return viewer.role is not Role.PARTNER


def may_read_donor_reports(viewer: Principal) -> bool:
    """A donor's traceability and certificates are for its own people, workshops, the operator
    and evaluators; a partner receives devices and has no business with their donors."""
    return viewer.role is not Role.PARTNER
