"""What the API takes and answers for shipments, deliveries, returns and hand-overs."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from collecte.core.schemas import IdField, Line, Name, Text
from collecte.shipments.lifecycle import ShipmentStatus

DeviceCode = Annotated[
    str, Field(min_length=1, max_length=40, description="A device code, as printed or scanned.")
]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
# Eight digits or more once spaces, dots, dashes, slashes and brackets are taken out, with an
# optional leading + (a French number has ten, an international one more).
_PHONE = re.compile(r"\+?\d{8,}")
_PHONE_NOISE = re.compile(r"[\s.\-/()]")


def check_pseudonym(value: str) -> str:
    """A beneficiary is named by a pseudonym of the partner's choosing, never a way to reach
    them: an email address or a phone number is refused."""
    value = value.strip()
    if _EMAIL.search(value):
        raise PydanticCustomError(
            "not_a_pseudonym", "an email address is not a pseudonym: use a reference of your own"
        )
    if _PHONE.search(_PHONE_NOISE.sub("", value)):
        raise PydanticCustomError(
            "not_a_pseudonym", "a phone number is not a pseudonym: use a reference of your own"
        )
    return value


Pseudonym = Annotated[
    Name,
    StringConstraints(max_length=60),
    AfterValidator(check_pseudonym),
    Field(description="The partner's own reference, never a name, email or phone number."),
]


class AgeBand(enum.StrEnum):
    UNDER_18 = "under_18"
    FROM_18_TO_25 = "18_25"
    FROM_26_TO_64 = "26_64"
    OVER_65 = "65_plus"


class Situation(enum.StrEnum):
    JOB_SEEKER = "job_seeker"
    STUDENT = "student"
    EMPLOYED = "employed"
    RETIRED = "retired"
    FAMILY = "family"
    OTHER = "other"


class ShipmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: IdField
    device_codes: list[DeviceCode] = Field(default_factory=list, max_length=1000)
    carrier: Line = Field(default="", max_length=100)


class PickIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: DeviceCode


class Missing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_code: DeviceCode
    outcome: Literal["returned", "lost"] = "returned"
    reason: Text = Field(min_length=1, max_length=500)


class DeliverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_codes: list[DeviceCode] | None = Field(
        default=None, max_length=1000, description="Those received; all when absent."
    )
    missing: list[Missing] = Field(
        default_factory=list,
        max_length=1000,
        description="Why each device not received is missing (default: returned, not received).",
    )


class ShipmentDeviceOut(BaseModel):
    code: str
    category: str
    brand: str
    model: str
    status: str
    line_id: int


class ShipmentOut(BaseModel):
    id: int
    request_id: int
    partner_id: int
    workshop_id: int
    status: ShipmentStatus
    carrier: str
    created_at: dt.datetime
    dispatched_at: dt.datetime | None
    delivered_at: dt.datetime | None
    devices: list[ShipmentDeviceOut]


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_code: DeviceCode
    reason: Text = Field(min_length=1, max_length=500)
    personal_data_removed: bool | None = Field(
        default=None,
        description="Whether the partner confirms the beneficiary's data was removed (the storage "
        "is erased again in the workshop either way).",
    )


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_code: DeviceCode
    beneficiary_ref: Pseudonym
    age_band: AgeBand | None = None
    situation: Situation | None = None
    postcode: Annotated[str, Field(pattern=r"^[0-9]{5}$")] | None = None
    price_paid_eur: float | None = Field(default=None, ge=0, le=10_000, allow_inf_nan=False)


class HandoverCorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_code: DeviceCode = Field(description="The device actually handed over.")
    reason: Text = Field(default="wrong device", min_length=1, max_length=500)


class HandoverOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    device_code: str
    partner_id: int
    request_id: int
    beneficiary_ref: str
    age_band: str | None
    situation: str | None
    postcode: str | None
    price_paid_eur: float | None
    handed_over_at: dt.datetime
    undone_at: dt.datetime | None
