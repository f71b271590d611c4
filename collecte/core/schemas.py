"""Shared API field types."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from collecte.core.events import EventKind
from collecte.core.types import utcnow

# Ids are 32-bit on every backend; a larger number can name nothing and must not reach the driver.
MAX_ID = 2_147_483_647

IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]

# --- text --------------------------------------------------------------------------------------
# Characters no text of ours may hold: C0 controls but tab, newline and carriage return, DEL, the
# two Unicode non-characters U+FFFE/U+FFFF and lone surrogates (PostgreSQL refuses a NUL with a
# 500; the others are never typed and break exports). A single line refuses tab, CR and LF too.
FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
FORBIDDEN_IN_LINE = re.compile("[\x00-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def _clean(pattern: re.Pattern[str]) -> AfterValidator:
    def check(value: str) -> str:
        if pattern.search(value):
            raise PydanticCustomError("control_character", "contains a control character")
        return value

    return AfterValidator(check)


# Multi-line free text (notes, descriptions, access notes); may be empty.
Text = Annotated[str, _clean(FORBIDDEN_IN_TEXT)]
# One line (a serial, a phone number, a vehicle); may be empty.
Line = Annotated[str, _clean(FORBIDDEN_IN_LINE)]
# A serial number in a list (a list's items take their length limit here, before the check).
Serial = Annotated[str, StringConstraints(max_length=100), _clean(FORBIDDEN_IN_LINE)]
# A name, a city, a brand: one line, stripped, never empty nor spaces only.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), _clean(FORBIDDEN_IN_LINE)
]

# --- numbers -----------------------------------------------------------------------------------
# Every number a client sends is finite and bounded, so none overflows a column or a conversion.
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]
WeightKg = Annotated[float, Field(gt=0, le=100_000, allow_inf_nan=False)]
Bytes = Annotated[int, Field(ge=0, le=2**62)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]

# --- dates -------------------------------------------------------------------------------------
# Nothing of the programme predates 2000; plans reach two years ahead; what happened is not in
# the future, but for a few minutes of clock skew between a client and the server. Year 1 or 9999
# would overflow the conversion to local time when shown.
EARLIEST = dt.date(2000, 1, 1)
PLAN_HORIZON_DAYS = 2 * 366
CLOCK_SKEW = dt.timedelta(minutes=5)


def _plan_limit() -> dt.date:
    return utcnow().date() + dt.timedelta(days=PLAN_HORIZON_DAYS)


def check_plan_date(value: dt.date) -> dt.date:
    """A planned day: from 2000 to two years ahead."""
    if not EARLIEST <= value <= _plan_limit():
        raise PydanticCustomError(
            "date_out_of_range",
            "a date from {low} to {high} is expected",
            {"low": EARLIEST.isoformat(), "high": _plan_limit().isoformat()},
        )
    return value


def check_plan_datetime(value: dt.datetime) -> dt.datetime:
    """A planned time: from 2000 to two years ahead (a naive time is left to the schema)."""
    check_plan_date(value.date())
    return value


def check_past_datetime(value: dt.datetime) -> dt.datetime:
    """A time something happened: from 2000 to now (give or take the clock skew)."""
    now = utcnow() if value.tzinfo else utcnow().replace(tzinfo=None)
    if value.date() < EARLIEST or value > now + CLOCK_SKEW:
        raise PydanticCustomError(
            "time_not_past",
            "a time from {low} to now is expected",
            {"low": EARLIEST.isoformat()},
        )
    return value


PlanDate = Annotated[dt.date, AfterValidator(check_plan_date)]
PlanDateTime = Annotated[dt.datetime, AfterValidator(check_plan_datetime)]
PastDateTime = Annotated[dt.datetime, AfterValidator(check_past_datetime)]


class PartialUpdate(BaseModel):
    """A change of some fields: an absent field is kept, and null is refused but for the fields
    in ``nullable`` (null would otherwise reach a NOT NULL column; the service applies only the
    fields the request set, so the defaults of the subclass are never stored)."""

    model_config = ConfigDict(extra="forbid")
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError("null_not_allowed", "may be left out, not null")
        return value


class EventOut(BaseModel):
    """One event of a subject's history (the one event log)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int = Field(description="The event's place in the log's global, gap-free order.")
    kind: EventKind
    from_status: str | None
    to_status: str | None
    actor_id: int | None
    site_id: int | None
    note: str
    payload: dict[str, Any]
    occurred_at: dt.datetime = Field(description="When it happened.")
    recorded_at: dt.datetime = Field(description="When it was written.")
    at: dt.datetime = Field(
        validation_alias=AliasChoices("at", "occurred_at"),
        description="Same as occurred_at (kept for integrations).",
    )
