"""API shapes for organisations and sites."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from collecte.core.schemas import IdField, Latitude, Line, Longitude, Name, PartialUpdate
from collecte.orgs.models import OrgKind
from collecte.orgs.siret import Siret
from collecte.orgs.territory import normalise_territory

# A département code; an unknown one is a validation error (UnknownTerritory is a ValueError).
TerritoryCode = Annotated[
    Line, Field(max_length=8, examples=["69", "2A", "974"]), AfterValidator(normalise_territory)
]


class ServedTerritory(BaseModel):
    """A département a workshop serves, and its rank there (1: the first choice)."""

    territory: TerritoryCode
    priority: int = Field(default=1, ge=1, le=99)


# Each item is a bare code (priority 1) or an object naming its priority.
TerritoriesServed = list[TerritoryCode | ServedTerritory]


class OrganizationCreate(BaseModel):
    name: Name = Field(min_length=1, max_length=200)
    legal_name: Name | None = Field(default=None, max_length=200)
    kind: OrgKind
    postcode: Line = Field(min_length=5, max_length=6, examples=["75011"])
    city: Name = Field(min_length=1, max_length=120)
    address: Line = Field(default="", max_length=300)
    siret: Siret | None = Field(
        default=None,
        description="14 digits, the last a Luhn check digit.",
        examples=["73282932000074"],
    )
    territories_served: TerritoriesServed | None = Field(
        default=None,
        max_length=120,
        description="A workshop's départements; when none are given, its own département.",
    )
    impact_public: bool = Field(
        default=False, description="Named on the public impact page (the organisation opted in)."
    )


class OrganizationUpdate(PartialUpdate):
    """The fields an operator may change; an absent field is kept."""

    # A field it cannot change (kind, territory) is refused rather than silently ignored (extra
    # fields are forbidden).
    nullable = frozenset({"siret", "legal_name"})

    name: Name = Field(default="", min_length=1, max_length=200)
    legal_name: Name | None = Field(
        default=None, max_length=200, description="Printed on documents; null: the name is."
    )
    postcode: Line = Field(default="", min_length=5, max_length=6)
    city: Name = Field(default="", min_length=1, max_length=120)
    address: Line = Field(default="", max_length=300)
    siret: Siret | None = Field(default=None, description="14 digits, the last a Luhn check digit.")
    territories_served: TerritoriesServed = Field(default_factory=list, max_length=120)
    impact_public: bool = Field(
        default=False, description="Named on the public impact page (the organisation opted in)."
    )


class OrganizationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    legal_name: str | None = None
    kind: OrgKind
    address: str
    postcode: str
    city: str
    territory: str
    siret: str | None
    territories_served: list[str] = Field(
        description="By priority, then code; empty but for a workshop."
    )
    territory_priorities: dict[str, int]
    impact_public: bool = Field(description="Named on the public impact page.")
    has_logo: bool = Field(description="A logo was uploaded (GET …/{id}/logo serves it).")
    created_at: dt.datetime


class SiteCreate(BaseModel):
    organization_id: IdField
    name: Name = Field(min_length=1, max_length=200)
    postcode: Line = Field(min_length=5, max_length=6)
    city: Name = Field(min_length=1, max_length=120)
    address: Line = Field(default="", max_length=300)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class SiteUpdate(PartialUpdate):
    """The fields of a site an operator may change; an absent field is kept. Latitude and
    longitude go together: a site ends with both or neither."""

    nullable = frozenset({"latitude", "longitude"})

    name: Name = Field(default="", min_length=1, max_length=200)
    postcode: Line = Field(default="", min_length=5, max_length=6)
    city: Name = Field(default="", min_length=1, max_length=120)
    address: Line = Field(default="", max_length=300)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organization_id: int
    name: str
    address: str
    postcode: str
    city: str
    territory: str
    latitude: float | None
    longitude: float | None
    position_source: str | None = Field(
        default=None, description="address, commune (approximate), manual; null without."
    )
    created_at: dt.datetime
