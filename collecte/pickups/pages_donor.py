"""The donor's space: its pickups, its devices, its documents and what became of its devices.

Everything is read through the same scoping as the rest (``visible_pickups``, ``visible_devices``,
the documents recorded for the donor's own organisation): a donor sees nothing of another donor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.devices.lifecycle import DeviceStatus
from collecte.documents.models import Document
from collecte.pickups import policy
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.reports import outcomes_of, status_counts

RECENT = 20


def donor_portal(session: Session, *, viewer: User) -> dict[str, Any]:
    """What the donor's home page shows, all of it the donor's own."""
    if viewer.role is not Role.DONOR or viewer.organization_id is None:
        return {}
    pickups = policy.visible_pickups(viewer)
    own = pickups.subquery()
    by_status: dict[PickupStatus, int] = dict(
        session.execute(select(own.c.status, func.count()).group_by(own.c.status)).all()
    )
    # One tally by status, for both the devices card and what became of them (a donor sees its
    # own devices only: visible_devices).
    device_counts = status_counts(session, viewer=viewer, donor_id=viewer.organization_id)
    # Every version is listed (a copy handed out earlier stays checkable), each saying whether a
    # newer one supersedes it.
    own_documents = Document.organization_id == viewer.organization_id
    documents = list(
        session.scalars(
            select(Document)
            .where(own_documents)
            .order_by(Document.issued_at.desc(), Document.id.desc())
            .limit(RECENT)
        )
    )
    superseded = set(
        session.scalars(
            select(Document.supersedes_id).where(
                Document.supersedes_id.in_([d.id for d in documents])
            )
        )
    )
    return {
        "pickup_counts": {s: by_status.get(s, 0) for s in PickupStatus},
        "pickups": list(session.scalars(pickups.order_by(Pickup.id.desc()).limit(RECENT))),
        "collected": list(
            session.scalars(
                pickups.where(Pickup.status == PickupStatus.COLLECTED)
                .order_by(Pickup.collected_at.desc())
                .limit(RECENT)
            )
        ),
        "device_counts": {s: n for s in DeviceStatus if (n := device_counts.get(s, 0))},
        "device_total": sum(device_counts.values()),
        "traceability": outcomes_of(viewer.organization_id, device_counts),
        "documents": documents,
        "superseded_documents": superseded,
    }
