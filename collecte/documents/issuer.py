"""Who issues a document: a workshop (its legal name, address, SIRET), else the programme."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from collecte.core.i18n import gettext as _
from collecte.orgs.logos import stored_logo
from collecte.orgs.models import Organization


@dataclass(frozen=True)
class Issuer:
    """The issuer as the document prints it; organization_id is None for the programme itself."""

    name: str
    address: str = ""
    postcode_city: str = ""
    siret: str | None = None
    organization_id: int | None = None

    def describe(self) -> str:
        """One line: name, address, postcode city, SIRET (in the current language)."""
        parts = [self.name, self.address, self.postcode_city]
        if self.siret:
            parts.append(_("SIRET %(siret)s") % {"siret": self.siret})
        return ", ".join(p for p in parts if p)

    def facts(self) -> dict[str, object]:
        """What the document says of its issuer (part of its facts)."""
        return {
            "organization_id": self.organization_id,
            "name": self.name,
            "address": self.address,
            "postcode_city": self.postcode_city,
            "siret": self.siret,
        }


def workshop_issuer(workshop: Organization) -> Issuer:
    """A workshop as issuer: its legal name, else its name."""
    return Issuer(
        name=workshop.legal_name or workshop.name,
        address=workshop.address,
        postcode_city=f"{workshop.postcode} {workshop.city}".strip(),
        siret=workshop.siret,
        organization_id=workshop.id,
    )


def programme_issuer(programme: str) -> Issuer:
    """The programme as issuer, when no single workshop stands behind a document."""
    return Issuer(name=programme)


def issuer_logo(session: Session, issuer: Issuer) -> bytes | None:
    """The issuing organisation's logo, to print in the document's header (none for the
    programme, or when it has none)."""
    if issuer.organization_id is None:
        return None
    stored = stored_logo(session, issuer.organization_id)
    return stored[0] if stored else None
