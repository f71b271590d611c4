"""API shapes for organisations and sites."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from collecte.core.schemas import IdField
from collecte.orgs.models import OrgKind


class OrganizationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    legal_name: str | None = Field(default=None, max_length=200)
    kind: OrgKind
    postcode: str = Field(min_length=5, max_length=6, examples=["75011"])
    city: str = Field(min_length=1, max_length=120)
    address: str = Field(default="", max_length=300)
    siret: str | None = Field(default=None, pattern=r"^\d{14}$")


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
