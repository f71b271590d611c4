"""What a donor is owed on paper: the data of its in-kind donation receipt, and what became of
its devices (the live traceability report)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.policy import Principal
from collecte.core.errors import Conflict
from collecte.core.vocabulary import N_
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.policy import visible_devices
from collecte.orgs.models import Organization, Site
from collecte.pickups.models import Pickup, PickupStatus

# How a device's status reads for its donor.
OUTCOMES: dict[DeviceStatus, str] = {
    DeviceStatus.DELIVERED: "redistributed",
    DeviceStatus.HANDED_OVER: "redistributed",
    DeviceStatus.RECYCLED: "recycled",
    DeviceStatus.PARTS: "parts",
    DeviceStatus.LOST: "lost",
    DeviceStatus.AVAILABLE: "ready",
    DeviceStatus.ALLOCATED: "ready",
    DeviceStatus.SHIPPED: "ready",
}
OUTCOME_ORDER = ("redistributed", "ready", "in_workshop", "recycled", "parts", "lost")


def received_by_category(session: Session, *, pickup_id: int) -> dict[str, int]:
    """How many devices of each category the workshop received from a pickup: one GROUP BY
    (``ix_devices_pickup_id``), for the donation receipt and the reconciliation alike."""
    query = (
        select(Device.category, func.count())
        .where(Device.pickup_id == pickup_id)
        .group_by(Device.category)
    )
    return {str(category): count for category, count in session.execute(query)}


def donation_receipt_data(session: Session, *, pickup: Pickup) -> dict[str, Any]:
    """The facts a donor needs to fill in its Cerfa 2041-MEC-SD in-kind donation receipt.

    The nature and quantities are what the workshop actually received; the value is the donor's to
    state (Collecte does not appraise donations), so it is left empty on purpose.
    """
    if pickup.status is not PickupStatus.COLLECTED:
        raise Conflict(
            "pickup_not_collected",
            N_("the receipt covers what was collected: this pickup is not collected yet"),
        )
    donor = session.get_one(Organization, pickup.donor_id)
    # The receipt is issued by the organisation that received the gift: the workshop whose
    # site the pickup went to. The Cerfa asks for its name, SIREN and address.
    site = session.get_one(Site, pickup.site_id) if pickup.site_id is not None else None
    recipient = session.get_one(Organization, site.organization_id) if site else None
    received = received_by_category(session, pickup_id=pickup.id)
    return {
        "form": "Cerfa 2041-MEC-SD (reçu des dons en nature)",
        "recipient": _recipient(recipient),
        "donor": {
            "name": donor.name,
            "siret": donor.siret,
            "address": donor.address,
            "postcode": donor.postcode,
            "city": donor.city,
        },
        "pickup_id": pickup.id,
        "donation_date": pickup.collected_at.date().isoformat() if pickup.collected_at else None,
        "nature": "matériel informatique et téléphonique d'occasion",
        "items": [
            {"category": category, "quantity": count}
            for category, count in sorted(received.items())
        ],
        "total_quantity": sum(received.values()),
        "collected_weight_kg": pickup.collected_weight_kg,
        "value_eur": None,
        "value_note": "to be stated by the donor (book value or fair market value)",
    }


def _recipient(organization: Organization | None) -> dict[str, Any] | None:
    """The receiving organisation as the Cerfa names it: legal name, SIREN (the first nine
    digits of the SIRET), address."""
    if organization is None:
        return None
    return {
        "name": organization.legal_name or organization.name,
        "siren": organization.siret[:9] if organization.siret else None,
        "siret": organization.siret,
        "address": organization.address,
        "postcode": organization.postcode,
        "city": organization.city,
    }


def status_counts(session: Session, *, viewer: Principal, donor_id: int) -> dict[DeviceStatus, int]:
    """How many of a donor's devices (those the viewer may see) are in each status: one GROUP BY
    (``ix_devices_donor_id_status``), never a row per device."""
    visible = visible_devices(viewer).where(Device.donor_id == donor_id).order_by(None).subquery()
    query = select(visible.c.status, func.count()).group_by(visible.c.status)
    counts: dict[DeviceStatus, int] = dict(session.execute(query).all())
    return counts


def outcomes_of(donor_id: int, counts: dict[DeviceStatus, int]) -> dict[str, Any]:
    """The traceability report from a donor's tally by status: how many were redistributed, are
    ready, are still in the workshop, were recycled, went to parts, or were lost."""
    outcomes: Counter[str] = Counter()
    for status, count in counts.items():
        outcomes[OUTCOMES.get(status, "in_workshop")] += count
    return {
        "donor_id": donor_id,
        "total": sum(counts.values()),
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOME_ORDER},
    }


def traceability(session: Session, *, viewer: Principal, donor_id: int) -> dict[str, Any]:
    """What became of a donor's devices (those the viewer may see), from their current status."""
    return outcomes_of(donor_id, status_counts(session, viewer=viewer, donor_id=donor_id))
