"""Emails to the donor's on-site contact: pickup scheduled, collected, erasure certificate ready.

Each is a text template (``collecte/templates/emails/``) in the language the pickup was booked in.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.core.events import Event, EventKind, subscribe
from collecte.devices.certificates import still_expected
from collecte.devices.models import Device
from collecte.devices.rules import facts_for
from collecte.notifications import emails
from collecte.notifications.emails import render_email
from collecte.notifications.service import queue_email
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.service import reconciliation


@subscribe(EventKind.PICKUP_SCHEDULED, EventKind.PICKUP_COLLECTED, EventKind.ERASURE)
def on_event(session: Session, event: Event) -> None:
    """The emails events call for: a pickup scheduled or collected, a certificate now ready."""
    if event.pickup_id is None:
        return
    if event.kind is EventKind.ERASURE:
        certificate_if_ready(session, event.pickup_id)
        return
    pickup = session.get_one(Pickup, event.pickup_id)
    if event.kind is EventKind.PICKUP_SCHEDULED:
        pickup_scheduled(session, pickup)
    else:
        pickup_collected(session, pickup)


def _address(pickup: Pickup) -> str:
    return f"{pickup.address}, {pickup.postcode} {pickup.city}"


def pickup_scheduled(session: Session, pickup: Pickup) -> None:
    """Tell the contact the day and window (again if it is moved to another day)."""
    language = pickup.language
    subject, body = render_email(
        "pickup_scheduled",
        language,
        pickup=pickup,
        address=_address(pickup),
        day=emails.day(pickup.scheduled_on, language) if pickup.scheduled_on else "?",
    )
    queue_email(
        session,
        event_key=f"pickup:{pickup.id}:scheduled:{pickup.scheduled_on}",
        recipient=pickup.contact_email,
        subject=subject,
        body=body,
        organization_id=pickup.donor_id,
        pickup_id=pickup.id,
    )


def pickup_collected(session: Session, pickup: Pickup) -> None:
    """Confirm what was collected; the collection proof can be downloaded from the donor space."""
    language = pickup.language
    total = sum(pickup.collected_counts.values())
    subject, body = render_email(
        "pickup_collected",
        language,
        pickup=pickup,
        total=emails.number(total, language),
        weight=emails.number(pickup.collected_weight_kg or 0, language),
    )
    queue_email(
        session,
        event_key=f"pickup:{pickup.id}:collected",
        recipient=pickup.contact_email,
        subject=subject,
        body=body,
        organization_id=pickup.donor_id,
        pickup_id=pickup.id,
    )


def certificate_if_ready(session: Session, pickup_id: int) -> None:
    """Once every declared device is received and every storage one verified erased, say so (once)."""
    pickup = session.get(Pickup, pickup_id)
    if pickup is None or pickup.status is not PickupStatus.COLLECTED:
        return
    missing_serials, not_received = still_expected(reconciliation(session, pickup=pickup))
    if missing_serials or not_received:
        return  # devices are still expected: a certificate now would not cover them
    ids = session.scalars(select(Device.id).where(Device.pickup_id == pickup_id))
    devices = [f for f in facts_for(session, ids).values() if f.carries_storage]
    if not devices or not all(f.erasure_cleared for f in devices):
        return
    subject, body = render_email(
        "certificate_ready",
        pickup.language,
        pickup=pickup,
        count=emails.number(len(devices), pickup.language),
    )
    queue_email(
        session,
        event_key=f"pickup:{pickup.id}:certificate",
        recipient=pickup.contact_email,
        subject=subject,
        body=body,
        organization_id=pickup.donor_id,
        pickup_id=pickup.id,
    )
