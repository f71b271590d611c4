"""The collection proof (bordereau de collecte): what left the donor's premises, and who signed."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.errors import Conflict
from collecte.core.pdf import build_pdf, paragraph, table
from collecte.core.types import utcnow
from collecte.core.vocabulary import label
from collecte.documents.models import Document
from collecte.documents.service import record_document
from collecte.orgs.models import Organization, Site
from collecte.pickups.models import Pickup, PickupStatus


def collection_proof(
    session: Session, *, pickup: Pickup, actor: User, programme: str
) -> tuple[bytes, Document]:
    """The signed-off record of a collected pickup, fingerprinted for later verification."""
    if pickup.status is not PickupStatus.COLLECTED or pickup.collected_at is None:
        raise Conflict("the pickup has not been collected yet: there is no collection proof")
    donor = session.get_one(Organization, pickup.donor_id)  # a required foreign key
    site = session.get(Site, pickup.site_id) if pickup.site_id else None
    declared = pickup.declared_counts
    rows = [["Category", "Declared", "Collected"]]
    for category in sorted(set(declared) | set(pickup.collected_counts)):
        rows.append(
            [
                label(category),
                str(declared.get(category, 0)),
                str(pickup.collected_counts.get(category, 0)),
            ]
        )
    rows.append(["Total", str(sum(declared.values())), str(sum(pickup.collected_counts.values()))])
    when = pickup.collected_at.strftime("%d/%m/%Y %H:%M UTC")
    body: list[Flowable] = [
        paragraph(f"Donor: {donor.name}, {pickup.address}, {pickup.postcode} {pickup.city}"),
        paragraph(
            f"Collected on {when}"
            + (f" for {site.name}" if site else "")
            + (f", vehicle {pickup.vehicle}" if pickup.vehicle else "")
        ),
        paragraph(f"Total weight: {pickup.collected_weight_kg:.1f} kg"),
        Spacer(1, 3 * mm),
        table(rows, [70 * mm, 35 * mm, 35 * mm]),
        Spacer(1, 6 * mm),
        paragraph(f"Released by (donor): {pickup.released_by}"),
        paragraph(f"Received by (workshop): {pickup.received_by}"),
        Spacer(1, 3 * mm),
        paragraph(
            "Data-bearing devices travel sealed to the workshop, where each storage medium is erased "
            "and verified; the erasure certificate follows once every medium of this pickup is treated."
            if pickup.data_destruction.value == "certificate"
            else "The donor chose on-site destruction of storage media."
        ),
    ]
    title = f"Collection proof — pickup {pickup.id}"
    content = build_pdf(
        programme=programme,
        title=title,
        covers=f"pickup {pickup.id} of {donor.name}, collected {when}",
        produced_at=utcnow(),
        body=body,
    )
    document = record_document(
        session,
        kind="collection_proof",
        title=title,
        subject=f"pickup:{pickup.id}",
        content=content,
        organization_id=donor.id,
        produced_by=actor,
    )
    return content, document
