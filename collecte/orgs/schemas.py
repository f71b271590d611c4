"""API shapes for organisations and sites."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from collecte.core.schemas import IdField
from collecte.orgs.models import OrgKind
from collecte.orgs.territory import normalise_territory

# A département code; an unknown one is a validation error (UnknownTerritory is a ValueError).
TerritoryCode = Annotated[
    str, Field(max_length=8, examples=["69", "2A", "974"]), AfterValidator(normalise_territory)
]


class ServedTerritory(BaseModel):
    """A département a workshop serves, and its rank there (1: the first choice)."""

    territory: TerritoryCode
    priority: int = Field(default=1, ge=1, le=99)


# Each item is a bare code (priority 1) or an object naming its priority.
TerritoriesServed = list[TerritoryCode | ServedTerritory]


class OrganizationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    legal_name: str | None = Field(default=None, max_length=200)
    kind: OrgKind
    postcode: str = Field(min_length=5, max_length=6, examples=["75011"])
    city: str = Field(min_length=1, max_length=120)
    address: str = Field(default="", max_length=300)
    siret: str | None = Field(default=None, pattern=r"^\d{14}$")
    territories_served: TerritoriesServed | None = Field(
        default=None,
        max_length=120,
        description="A workshop's départements; when none are given, its own département.",
    )


class OrganizationUpdate(BaseModel):
    """The fields an operator may change; an absent field is kept."""

    # A field it cannot change (kind, territory) is refused rather than silently ignored.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", min_length=1, max_length=200)
    postcode: str = Field(default="", min_length=5, max_length=6)
    city: str = Field(default="", min_length=1, max_length=120)
    address: str = Field(default="", max_length=300)
    siret: str | None = Field(default=None, pattern=r"^\d{14}$")
    territories_served: TerritoriesServed = Field(default_factory=list, max_length=120)

    @field_validator("name", "postcode", "city", "address", "territories_served", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # null would otherwise reach a NOT NULL column; the defaults above are never stored,
        # the service applies only the fields the request set.
        if value is None:
            raise ValueError("may be left out, not null")
        return value


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
    created_at: dt.datetime


class SiteCreate(BaseModel):
    organization_id: IdField
    name: str = Field(min_length=1, max_length=200)
    postcode: str = Field(min_length=5, max_length=6)
    city: str = Field(min_length=1, max_length=120)
    address: str = Field(default="", max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


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
    created_at: dt.datetime
