"""The collection proof (bordereau de collecte): what left the donor's premises, and who signed."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.errors import Conflict
from collecte.core.i18n import gettext as _
from collecte.core.pdf import in_language, kilograms, local_time, paragraph, table
from collecte.core.vocabulary import N_, label
from collecte.documents.issuer import Issuer, programme_issuer, workshop_issuer
from collecte.documents.service import Issued, issue_document
from collecte.orgs.models import Organization, Site
from collecte.pickups.models import Pickup, PickupStatus


def site_issuer(session: Session, *, site_id: int | None, programme: str) -> Issuer:
    """The workshop owning a site issues its documents (the programme, for no site)."""
    site = session.get(Site, site_id) if site_id is not None else None
    if site is None:
        return programme_issuer(programme)
    return workshop_issuer(session.get_one(Organization, site.organization_id))


def collection_proof(
    session: Session, *, pickup: Pickup, actor: User, settings: Settings, language: str
) -> Issued:
    """The signed-off record of a collected pickup, issued once per content and language."""
    if pickup.status is not PickupStatus.COLLECTED or pickup.collected_at is None:
        raise Conflict(
            "pickup_not_collected",
            N_("the pickup has not been collected yet: there is no collection proof"),
        )
    donor = session.get_one(Organization, pickup.donor_id)  # a required foreign key
    site = session.get(Site, pickup.site_id) if pickup.site_id else None
    declared = pickup.declared_counts
    collected = pickup.collected_counts
    collected_at = pickup.collected_at
    facts = {
        "pickup_id": pickup.id,
        "donor": [donor.name, pickup.address, pickup.postcode, pickup.city],
        "collected_at": collected_at.isoformat(),
        "site": site.name if site else None,
        "vehicle": pickup.vehicle,
        "weight_kg": pickup.collected_weight_kg,
        "declared": declared,
        "collected": collected,
        "released_by": pickup.released_by,
        "received_by": pickup.received_by,
        "data_destruction": pickup.data_destruction.value,
    }

    def body() -> list[Flowable]:
        kg = pickup.collected_weight_kg
        weight = kilograms(kg) if kg is not None else "—"
        rows = [[_("Category"), _("Declared"), _("Collected")]]
        for category in sorted(set(declared) | set(collected)):
            rows.append(
                [label(category), str(declared.get(category, 0)), str(collected.get(category, 0))]
            )
        rows.append([_("Total"), str(sum(declared.values())), str(sum(collected.values()))])
        where = [_("Collected on %(when)s (Paris time)") % {"when": local_time(collected_at)}]
        if site:
            where.append(_("for %(site)s") % {"site": site.name})
        if pickup.vehicle:
            where.append(_("vehicle %(vehicle)s") % {"vehicle": pickup.vehicle})
        return [
            paragraph(
                _("Donor: %(donor)s, %(address)s, %(postcode)s %(city)s")
                % {
                    "donor": donor.name,
                    "address": pickup.address,
                    "postcode": pickup.postcode,
                    "city": pickup.city,
                }
            ),
            paragraph(", ".join(where)),
            paragraph(_("Total weight: %(weight)s") % {"weight": weight}),
            Spacer(1, 3 * mm),
            table(rows, [70 * mm, 35 * mm, 35 * mm]),
            Spacer(1, 6 * mm),
            paragraph(_("Released by (donor): %(name)s") % {"name": pickup.released_by}),
            paragraph(_("Received by (workshop): %(name)s") % {"name": pickup.received_by}),
            Spacer(1, 3 * mm),
            paragraph(
                _(
                    "Data-bearing devices travel sealed to the workshop, where each storage medium "
                    "is erased and verified; the erasure certificate follows once every medium of "
                    "this pickup is treated."
                )
                if pickup.data_destruction.value == "certificate"
                else _("The donor chose on-site destruction of storage media.")
            ),
        ]

    with in_language(language):
        title = _("Collection proof — pickup %(id)s") % {"id": pickup.id}
        covers = _("pickup %(id)s of %(donor)s, collected on %(when)s") % {
            "id": pickup.id,
            "donor": donor.name,
            "when": local_time(collected_at),
        }
    return issue_document(
        session,
        kind="collection_proof",
        subject=f"pickup:{pickup.id}",
        language=language,
        title=title,
        covers=covers,
        facts=facts,
        render=body,
        issuer=site_issuer(session, site_id=pickup.site_id, programme=settings.programme_name),
        organization_id=donor.id,
        produced_by=actor,
        programme=settings.programme_name,
        public_base_url=settings.public_base_url,
    )
