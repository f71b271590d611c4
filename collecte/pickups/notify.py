"""Emails to the donor's on-site contact: pickup scheduled, collected, erasure certificate ready."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.core.events import Event, EventKind, subscribe
from collecte.devices.certificates import still_expected
from collecte.devices.models import Device
from collecte.devices.rules import facts_for
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


def pickup_scheduled(session: Session, pickup: Pickup) -> None:
    """Tell the contact the day and window (again if it is moved to another day)."""
    window = f" entre {pickup.window_start} et {pickup.window_end}" if pickup.window_start else ""
    day = pickup.scheduled_on.strftime("%d/%m/%Y") if pickup.scheduled_on else "?"
    queue_email(
        session,
        event_key=f"pickup:{pickup.id}:scheduled:{pickup.scheduled_on}",
        recipient=pickup.contact_email,
        subject=f"Collecte n°{pickup.id} planifiée le {day}",
        body=(
            f"Bonjour {pickup.contact_name},\n\nLa collecte de votre matériel ({pickup.address}, "
            f"{pickup.postcode} {pickup.city}) est planifiée le {day}{window}.\n"
            + ("Nous vous appellerons avant d'arriver.\n" if pickup.call_ahead else "")
        ),
        organization_id=pickup.donor_id,
        pickup_id=pickup.id,
    )


def pickup_collected(session: Session, pickup: Pickup) -> None:
    """Confirm what was collected; the collection proof can be downloaded from the donor space."""
    total = sum(pickup.collected_counts.values())
    queue_email(
        session,
        event_key=f"pickup:{pickup.id}:collected",
        recipient=pickup.contact_email,
        subject=f"Collecte n°{pickup.id} effectuée : {total} appareil(s)",
        body=(
            f"Bonjour {pickup.contact_name},\n\nNous avons collecté {total} appareil(s) "
            f"({pickup.collected_weight_kg} kg). Le bordereau de collecte est disponible dans votre "
            "espace donateur.\n"
        ),
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
    queue_email(
        session,
        event_key=f"pickup:{pickup.id}:certificate",
        recipient=pickup.contact_email,
        subject=f"Certificat d'effacement disponible — collecte n°{pickup.id}",
        body=(
            f"Bonjour {pickup.contact_name},\n\nLes {len(devices)} support(s) de stockage de la collecte "
            f"n°{pickup.id} ont été effacés et vérifiés. Le certificat d'effacement est disponible dans "
            "votre espace donateur.\n"
        ),
        organization_id=pickup.donor_id,
        pickup_id=pickup.id,
    )
