"""Pickups: a donor books, a coordinator schedules, the team collects; scoped by role and organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.policy import does_workshop_work, plans
from collecte.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Reason
from collecte.core.events import (
    Event,
    EventKind,
    Payload,
    PickupCollectedPayload,
    PickupRequestedPayload,
    PickupScheduledPayload,
    PickupUpdatedPayload,
    ReasonPayload,
    Subject,
    record_event,
)
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.devices.models import Device
from collecte.geo.communes import commune_centre
from collecte.geo.position import Position, given_position, place
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.service import own_site, place_for_postcode
from collecte.pickups.booking import stored_fields
from collecte.pickups.lifecycle import PICKUP_MACHINE
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.policy import may_book, require_change, require_editable, visible_pickups
from collecte.pickups.reports import received_by_category
from collecte.pickups.schemas import PickupCreate, PickupUpdate


def known_vehicles(session: Session, *, viewer: User) -> list[str]:
    """The vehicles named on the pickups a viewer sees, sorted: a form's suggestions."""
    query = visible_pickups(viewer).with_only_columns(Pickup.vehicle).where(Pickup.vehicle != "")
    return sorted(session.scalars(query.distinct().limit(50)))


def get_pickup(session: Session, *, viewer: User, pickup_id: int) -> Pickup:
    """One pickup the viewer may read; any other is reported as not existing."""
    pickup = session.scalar(visible_pickups(viewer).where(Pickup.id == pickup_id))
    if pickup is None:
        raise NotFound("not_found", N_("no pickup %(pickup)s"), pickup=pickup_id)
    return pickup


def request_pickup(
    session: Session, *, viewer: User, booking: PickupCreate, found: Position | None = None
) -> Pickup:
    """Book a pickup: a donor for its own organisation, the operator or a coordinator for a donor.

    Its position: the coordinates given, else ``found`` (the routes ask the geocoder, before the
    transaction, and fall back to the commune's centre), else none."""
    data = booking.model_dump()
    given = given_position(data.pop("latitude"), data.pop("longitude"))
    donor_id = data.pop("donor_id", None)
    if viewer.role is Role.DONOR:
        if donor_id not in (None, viewer.organization_id):
            raise Forbidden(
                "book_for_own_organization",
                N_("a donor books pickups for its own organisation only"),
            )
        donor_id = viewer.organization_id
    elif not may_book(viewer):
        raise Forbidden("may_not_book", N_("a %(role)s may not book pickups"), role=viewer.role)
    donor = session.get(Organization, donor_id) if donor_id is not None else None
    if donor is None or donor.kind is not OrgKind.DONOR:
        raise InvalidInput("not_a_donor", N_("donor_id must name a donor organisation"))
    postcode, territory = place_for_postcode(data.pop("postcode"))
    if data.get("language") is None:
        data.pop("language", None)  # the column's default
    pickup = Pickup(
        donor_id=donor.id,
        postcode=postcode,
        territory=territory,
        requested_by=viewer.id,
        requested_at=utcnow(),
        **stored_fields(data),
    )
    place(pickup, given or found)
    session.add(pickup)
    session.flush()  # assigns the id the event and the caller use
    if (
        session.scalar(
            visible_pickups(viewer).with_only_columns(Pickup.id).where(Pickup.id == pickup.id)
        )
        is None
    ):
        # One rule: whoever books must be able to follow the booking. A coordinator's board shows
        # requests in the départements its workshop serves (visible_pickups); a booking elsewhere
        # would vanish from it. The request's transaction is rolled back with the refusal.
        raise Forbidden(
            "book_in_served_territory",
            N_("a coordinator books pickups only in the départements its workshop serves"),
        )
    record_pickup_event(
        session,
        pickup=pickup,
        actor=viewer,
        kind=EventKind.PICKUP_REQUESTED,
        to_status=PickupStatus.REQUESTED,
        payload=PickupRequestedPayload.model_validate({"items": pickup.items}),
        occurred_at=pickup.requested_at,
    )
    return pickup


def record_pickup_event(
    session: Session,
    *,
    pickup: Pickup,
    actor: User | None,
    kind: EventKind,
    payload: Payload | None = None,
    from_status: PickupStatus | None = None,
    to_status: PickupStatus | None = None,
    note: str = "",
    occurred_at: dt.datetime | None = None,
    weight_kg: float | None = None,
) -> Event:
    """Append one event to a pickup's history, with its donor, territory and receiving site."""
    site = session.get(Site, pickup.site_id) if pickup.site_id is not None else None
    return record_event(
        session,
        kind=kind,
        subject=Subject.PICKUP,
        actor_id=actor.id if actor else None,
        payload=payload,
        from_status=from_status,
        to_status=to_status,
        note=note,
        occurred_at=occurred_at,
        pickup_id=pickup.id,
        donor_id=pickup.donor_id,
        territory=pickup.territory,
        site_id=site.id if site else None,
        workshop_id=site.organization_id if site else None,
        weight_kg=weight_kg,
    )


def _move(
    session: Session,
    *,
    pickup: Pickup,
    actor: User,
    to: PickupStatus,
    kind: EventKind,
    payload: Payload,
    provided: dict[str, Any],
    note: str = "",
    occurred_at: dt.datetime | None = None,
    weight_kg: float | None = None,
) -> Event:
    """Move a pickup through PICKUP_MACHINE (table, required payload) and write the event."""
    return PICKUP_MACHINE.move(
        pickup,
        to,
        provided=provided,
        record=lambda current, target: record_pickup_event(
            session,
            pickup=pickup,
            actor=actor,
            kind=kind,
            payload=payload,
            from_status=current,
            to_status=target,
            note=note,
            occurred_at=occurred_at,
            weight_kg=weight_kg,
        ),
    )


def pickup_events(session: Session, pickup: Pickup) -> list[Event]:
    """A pickup's history, in the log's order."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.pickup_id == pickup.id, Event.subject == Subject.PICKUP)
            .order_by(*Event.log_order())
        )
    )


def update_pickup(
    session: Session,
    *,
    viewer: User,
    pickup: Pickup,
    update: PickupUpdate,
    found: Position | None = None,
) -> Pickup:
    """Edit a request (the fields the update sets); once scheduled, edits are refused. A new
    address or postcode moves the position to ``found``, else to the commune's centre."""
    require_editable(viewer, pickup)
    changes = update.model_dump(exclude_unset=True)
    fields = sorted(changes)
    moved = bool(changes.keys() & {"address", "postcode"})
    if "postcode" in changes:
        pickup.postcode, pickup.territory = place_for_postcode(changes.pop("postcode"))
    for name, value in stored_fields(changes).items():
        setattr(pickup, name, value)
    if moved:
        place(pickup, found or commune_centre(pickup.postcode))
    record_pickup_event(
        session,
        pickup=pickup,
        actor=viewer,
        kind=EventKind.PICKUP_UPDATED,
        payload=PickupUpdatedPayload(fields=fields),
    )
    return pickup


def cancel_pickup(session: Session, *, viewer: User, pickup: Pickup, reason: str) -> Pickup:
    """Cancel a pickup that has not been collected, saying why."""
    require_change(viewer, pickup)
    reason = reason.strip()
    now = utcnow()
    pickup.cancel_reason, pickup.cancelled_at = reason, now
    _move(
        session,
        pickup=pickup,
        actor=viewer,
        to=PickupStatus.CANCELLED,
        kind=EventKind.PICKUP_CANCELLED,
        payload=ReasonPayload(reason=reason),
        provided={"reason": reason or None},
        note=reason,
        occurred_at=now,
    )
    return pickup


def schedule_pickup(
    session: Session,
    *,
    viewer: User,
    pickup: Pickup,
    date: dt.date,
    site_id: int,
    window_start: str = "",
    window_end: str = "",
    vehicle: str = "",
) -> Pickup:
    """Plan the pickup: the day, the window, the receiving site of the coordinator's workshop, the van."""
    if not plans(viewer):
        raise Forbidden(
            "may_not_schedule", N_("a %(role)s may not schedule pickups"), role=viewer.role
        )
    if not PICKUP_MACHINE.can(pickup.status, PickupStatus.SCHEDULED):
        raise PICKUP_MACHINE.refuse(
            Reason(
                "pickup_not_schedulable",
                N_("a %(status)s pickup cannot be scheduled"),
                {"status": pickup.status},
            ),
            allowed=PICKUP_MACHINE.allowed_next(pickup.status),
        )
    site = own_site(session, viewer=viewer, site_id=site_id)
    if window_start and window_end and window_end <= window_start:
        raise InvalidInput("window_ends_before_start", N_("the window ends after it starts"))
    pickup.scheduled_on, pickup.site_id = date, site.id
    pickup.window_start, pickup.window_end, pickup.vehicle = (
        window_start,
        window_end,
        vehicle.strip(),
    )
    _move(
        session,
        pickup=pickup,
        actor=viewer,
        to=PickupStatus.SCHEDULED,
        kind=EventKind.PICKUP_SCHEDULED,
        payload=PickupScheduledPayload(
            date=date,
            site_id=site.id,
            window_start=window_start,
            window_end=window_end,
            vehicle=pickup.vehicle,
        ),
        provided={"date": date, "site_id": site.id},
    )
    return pickup


def collect_pickup(
    session: Session,
    *,
    viewer: User,
    pickup: Pickup,
    weight_kg: float,
    released_by: str,
    received_by: str,
    counts: dict[str, int] | None = None,
) -> Pickup:
    """Record what left the donor's premises: counts per category, weight, who released and received."""
    if not does_workshop_work(viewer):
        raise Forbidden(
            "may_not_collect", N_("a %(role)s may not record a collection"), role=viewer.role
        )
    if counts is None:
        counts = pickup.declared_counts
    if any(n < 0 for n in counts.values()):
        raise InvalidInput("negative_count", N_("counts cannot be negative"))
    now = utcnow()
    kept = {str(k): int(v) for k, v in counts.items() if v}
    released, received = released_by.strip(), received_by.strip()
    payload = PickupCollectedPayload(
        weight_kg=weight_kg, counts=kept, released_by=released, received_by=received
    )
    # Set before the move: the event's subscribers (the donor's email) read the pickup.
    pickup.collected_at, pickup.collected_counts = now, kept
    pickup.collected_weight_kg = weight_kg
    pickup.released_by, pickup.received_by = released, received
    _move(
        session,
        pickup=pickup,
        actor=viewer,
        to=PickupStatus.COLLECTED,
        kind=EventKind.PICKUP_COLLECTED,
        payload=payload,
        provided={
            "weight_kg": weight_kg,
            "released_by": released or None,
            "received_by": received or None,
        },
        occurred_at=now,
        weight_kg=weight_kg,
    )
    return pickup


def reconciliation(session: Session, *, pickup: Pickup) -> dict[str, Any]:
    """Declared against received, per category and, with an inventory file, serial by serial."""
    received = received_by_category(session, pickup_id=pickup.id)
    declared = pickup.declared_counts
    categories = sorted(set(declared) | set(received))
    expected = set(pickup.declared_serials)
    # The serials are read only to be compared with an inventory file, when there is one.
    serials = (
        {
            serial.strip()
            for serial in session.scalars(
                select(Device.serial).where(Device.pickup_id == pickup.id)
            )
            if serial and serial.strip()
        }
        if expected
        else set()
    )
    return {
        "pickup_id": pickup.id,
        "categories": [
            {
                "category": c,
                "declared": declared.get(c, 0),
                "received": received.get(c, 0),
                "difference": received.get(c, 0) - declared.get(c, 0),
            }
            for c in categories
        ],
        "declared_total": sum(declared.values()),
        "received_total": sum(received.values()),
        "inventory_given": bool(expected),
        "missing_serials": sorted(expected - serials),
        "unexpected_serials": sorted(serials - expected) if expected else [],
    }


def check_intake_pickup(
    session: Session, *, viewer: User, pickup_id: int, donor_id: int | None
) -> int:
    """The donor a device received from this pickup belongs to (checking the pickup fits)."""
    pickup = session.scalar(visible_pickups(viewer).where(Pickup.id == pickup_id))
    if pickup is None:
        raise InvalidInput(
            "unknown_pickup", N_("pickup %(pickup)s does not exist"), pickup=pickup_id
        )
    if pickup.status not in (PickupStatus.SCHEDULED, PickupStatus.COLLECTED):
        raise Conflict(
            "pickup_not_receivable",
            N_("pickup %(pickup)s is %(status)s: devices come from scheduled or collected pickups"),
            pickup=pickup_id,
            status=pickup.status,
        )
    if donor_id is not None and donor_id != pickup.donor_id:
        raise Conflict(
            "pickup_of_another_donor",
            N_("pickup %(pickup)s belongs to another donor"),
            pickup=pickup_id,
        )
    return pickup.donor_id
