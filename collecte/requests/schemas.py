"""What the API takes and answers for requests (DESIGN, API v1: requests)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from collecte.core.schemas import Count, IdField, PlanDate, Text
from collecte.devices.checklists import Category
from collecte.requests.lifecycle import CancelReason, RequestStatus

Quantity = Field(ge=1, le=1000)


class PartnerGrade(enum.StrEnum):
    """The grades partners receive (X is never distributed)."""

    A = "A"
    B = "B"
    C = "C"


class Fulfilment(enum.StrEnum):
    NONE = "none"
    PARTIAL = "partial"
    COMPLETE = "complete"


class RequestLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    quantity: int = Quantity
    min_ram_gb: int | None = Field(default=None, ge=0, le=1024)
    min_storage_gb: int | None = Field(default=None, ge=0, le=100_000)
    min_grade: PartnerGrade | None = Field(default=None, description="A best, then B, then C.")


class RequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[RequestLineIn] = Field(min_length=1, max_length=50)
    beneficiaries_count: Count = Field(default=0, description="People the devices are for.")
    needed_by: PlanDate | None = None
    note: Text = Field(default="", max_length=2000)
    workshop_id: IdField | None = Field(
        default=None, description="Default: the workshop that serves the partner's département."
    )
    partner_id: IdField | None = Field(
        default=None, description="The operator files for a partner; a partner's own is implied."
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Text = Field(default="", max_length=2000)


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=2000)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: CancelReason
    note: Text = Field(default="", max_length=2000)


class LineChangeIn(BaseModel):
    """A coordinator cuts a line's quantity or substitutes its category (the log keeps the
    original)."""

    model_config = ConfigDict(extra="forbid")

    quantity: int | None = Field(default=None, ge=0, le=1000, description="0 cuts the line.")
    category: Category | None = None
    reason: Text = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _something(self) -> LineChangeIn:
        if self.quantity is None and self.category is None:
            raise ValueError("give a quantity, a category or both")
        return self


class AllocateDeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, description="The device's code, as scanned.")
    line_id: IdField | None = Field(default=None, description="Default: the first line it meets.")


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40)
    reason: Text = Field(min_length=1, max_length=500)


class LineOut(BaseModel):
    id: int
    category: Category
    quantity: int
    min_ram_gb: int | None
    min_storage_gb: int | None
    min_grade: str | None
    allocated: int = Field(description="Devices bound to the line now (shipped ones included).")
    shipped: int
    delivered: int
    returned: int = Field(description="Devices that came back (or were lost) after shipping.")
    device_codes: list[str]
    fulfilment: Fulfilment


class RequestOut(BaseModel):
    id: int
    status: RequestStatus
    partner_id: int
    partner_name: str
    workshop_id: int
    territory: str
    beneficiaries_count: int
    needed_by: dt.date | None
    note: str
    decision_note: str
    cancel_reason: CancelReason | None
    requested_at: dt.datetime
    approved_at: dt.datetime | None
    allocated: int
    shipped: int
    delivered: int
    fulfilment: Fulfilment
    lines: list[LineOut]


class AllocationRunOut(BaseModel):
    requests: int = Field(description="Approved requests served, oldest approval first.")
    lines: int
    allocated: int = Field(description="Devices bound by this run.")
    unfilled: int = Field(description="Devices still missing on those lines.")
    device_codes: list[str]


class AllocatedOut(BaseModel):
    code: str
    request_id: int
    line_id: int
    status: Literal["allocated"] = "allocated"
