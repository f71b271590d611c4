"""API shapes for devices, their records and scans."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from collecte.core.schemas import (
    Bytes,
    IdField,
    Line,
    Minutes,
    Name,
    PastDateTime,
    Text,
)
from collecte.devices.checklists import Category
from collecte.devices.grading import Grade
from collecte.devices.lifecycle import DeviceStatus


class Specs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ram_gb: int | None = Field(default=None, ge=0, le=4096)
    storage_gb: int | None = Field(default=None, ge=0, le=1_000_000)
    cpu: Line | None = Field(default=None, max_length=150)
    screen_in: float | None = Field(allow_inf_nan=False, default=None, gt=0, le=100)


class DeviceCreate(BaseModel):
    # Unknown fields are refused, so an import cannot smuggle in a status or a grade.
    model_config = ConfigDict(extra="forbid")

    category: Category
    brand: Name = Field(min_length=1, max_length=100)
    model: Name = Field(min_length=1, max_length=150)
    serial: Line = Field(default="", max_length=100)
    has_storage: bool
    weight_kg: float | None = Field(allow_inf_nan=False, default=None, gt=0, le=500)
    pickup_id: IdField | None = None
    site_id: IdField | None = None
    donor_id: IdField | None = None
    specs: Specs = Field(default_factory=Specs)


# One row of a JSON bulk intake: documented as a DeviceCreate, but read as it comes, so that every
# bad row is reported by its position in one answer (all or nothing) instead of a generic 422.
BulkRow = Annotated[dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/DeviceCreate"})]


class BulkIntakeOut(BaseModel):
    created: int
    codes: list[str]


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    category: Category
    brand: str
    model: str
    serial: str
    has_storage: bool
    weight_kg: float | None
    ram_gb: int | None
    storage_gb: int | None
    cpu: str | None
    screen_in: float | None
    status: DeviceStatus
    grade: Grade | None
    organization_id: int
    site_id: int
    donor_id: int | None
    pickup_id: int | None
    hold_reason: str | None
    received_at: dt.datetime
    updated_at: dt.datetime


class TransitionIn(BaseModel):
    to: DeviceStatus
    note: Text = Field(default="", max_length=2000)
    weight_kg: float | None = Field(
        default=None,
        allow_inf_nan=False,
        gt=0,
        le=500,
        description="Weight at exit (parts, recycling).",
    )


class DiagnosisIn(BaseModel):
    result: Literal["pass", "fail"]
    checks: dict[str, Any] = Field(default_factory=dict)
    notes: Text = Field(default="", max_length=5000)


class ErasureIn(BaseModel):
    storage_serial: Name = Field(min_length=1, max_length=100)
    storage_make: Line = Field(default="", max_length=100)
    storage_model: Line = Field(default="", max_length=150)
    storage_size_bytes: Bytes | None = None
    method: Name = Field(min_length=1, max_length=100)
    nist_level: Literal["clear", "purge", "destroy"]
    tool: Name = Field(min_length=1, max_length=100)
    tool_version: Line = Field(default="", max_length=50)
    started_at: PastDateTime | None = None
    ended_at: PastDateTime | None = None
    result: Literal["erased", "failed", "aborted"]
    verification_method: Line = Field(default="", max_length=100)
    verified: bool
    verifier_id: IdField | None = None


class ErasureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    storage_make: str
    storage_model: str
    storage_serial: str
    storage_size_bytes: int | None
    method: str
    nist_level: str
    tool: str
    tool_version: str
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    result: str
    verification_method: str
    verified: bool
    operator_id: int | None
    verifier_id: int | None
    log_sha256: str | None
    recorded_at: dt.datetime


class GradeIn(BaseModel):
    functional: Line = Field(pattern=r"^[Ff][1-6]$", examples=["F5"])
    cosmetic: Line = Field(pattern=r"^[Cc][0-9]$", examples=["C6"])
    notes: Text = Field(default="", max_length=2000)


class PartUsed(BaseModel):
    name: Name = Field(min_length=1, max_length=150)
    quantity: int = Field(default=1, ge=1, le=1000)


class RepairIn(BaseModel):
    description: Text = Field(min_length=1, max_length=5000)
    parts: list[PartUsed] = Field(default_factory=list, max_length=100)
    minutes: Minutes


class StorageAbsentIn(BaseModel):
    note: Text = Field(default="", max_length=2000, description="What was checked.")


class HoldIn(BaseModel):
    reason: Name = Field(min_length=1, max_length=300)


class MoveIn(BaseModel):
    site_id: IdField
    note: Text = Field(default="", max_length=2000)


class ScanIn(BaseModel):
    code: Text = Field(max_length=500, description="Raw scanner text: normalised before look-up.")
    action: Line | None = Field(
        default=None, max_length=40, examples=["to:diagnosed", "move", "hold"]
    )
    site_id: IdField | None = None
    reason: Name | None = Field(default=None, max_length=300)
    note: Text = Field(default="", max_length=2000)


class ScanOut(BaseModel):
    device: DeviceOut
    allowed_actions: list[str]
    applied: str | None
    duplicate: bool
