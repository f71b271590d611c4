"""Organisations (donor, partner, workshop) and the sites a workshop works from."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    Select,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collecte.core.db import Base
from collecte.core.enums import enum_column
from collecte.core.types import UTCDateTime, utcnow


class OrgKind(enum.StrEnum):
    DONOR = "donor"
    PARTNER = "partner"
    WORKSHOP = "workshop"


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind, "org_kind"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    territory: Mapped[str] = mapped_column(String(3), index=True)
    siret: Mapped[str | None] = mapped_column(String(14))
    # Opted in to being named on the public impact page (nobody is named otherwise).
    impact_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # The logo printed on its documents and shown on its page (PNG or JPEG, checked on upload).
    # Its bytes are read only where they are served or drawn (deferred, and raising if touched
    # elsewhere); the media type says whether there is one.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    logo_media_type: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sites: Mapped[list[Site]] = relationship(
        back_populates="organization", lazy="raise", order_by="Site.name"
    )
    # A workshop's départements, first choice first; none for a donor or partner.
    territories: Mapped[list[WorkshopTerritory]] = relationship(
        back_populates="organization",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="[WorkshopTerritory.priority, WorkshopTerritory.territory]",
    )

    @property
    def territories_served(self) -> list[str]:
        """The département codes the workshop serves, by priority then code."""
        # Sorted here too: a list just replaced in this session is in the order it was given.
        ranked = sorted(self.territories, key=lambda t: (t.priority, t.territory))
        return [t.territory for t in ranked]

    @property
    def has_logo(self) -> bool:
        return self.logo_media_type is not None

    @property
    def territory_priorities(self) -> dict[str, int]:
        """Each served département's priority (1: this workshop is the first choice there)."""
        return {t.territory: t.priority for t in self.territories}


class WorkshopTerritory(Base):
    """A département a workshop serves; several workshops may share one, ranked by priority."""

    __tablename__ = "workshop_territories"
    __table_args__ = (
        UniqueConstraint("organization_id", "territory"),
        CheckConstraint("priority >= 1", name="priority_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    territory: Mapped[str] = mapped_column(String(3), index=True)
    priority: Mapped[int] = mapped_column(default=1)

    organization: Mapped[Organization] = relationship(back_populates="territories", lazy="raise")


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    territory: Mapped[str] = mapped_column(String(3), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # As a pickup's: address, commune (approximate), manual; null without (collecte.geo).
    position_source: Mapped[str | None] = mapped_column(String(10))
    position_label: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="sites", lazy="raise")


def served_territories(organization_id: int | None) -> Select[str]:
    """The départements a workshop serves, as a subquery for visibility rules."""
    return select(WorkshopTerritory.territory).where(
        WorkshopTerritory.organization_id == organization_id
    )
