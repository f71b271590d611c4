"""API shapes for pickup requests, scheduling, collection and reconciliation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from collecte.core.schemas import (
    Count,
    IdField,
    Latitude,
    Line,
    Longitude,
    Name,
    PartialUpdate,
    PlanDate,
    PlanDateTime,
    Serial,
    Text,
    WeightKg,
)
from collecte.devices.checklists import Category
from collecte.pickups.models import DataDestruction, PickupStatus


class Window(BaseModel):
    start: PlanDateTime
    end: PlanDateTime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("a window ends after it starts")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(
                "give window times with their UTC offset (e.g. 2026-12-01T09:00:00+01:00)"
            )
        return self


class Item(BaseModel):
    category: Category
    quantity: Count = Field(ge=1, le=100_000)


class PickupFields(BaseModel):
    """What a donor says about the pickup; every field is optional when editing."""

    model_config = ConfigDict(extra="forbid")

    address: Name = Field(min_length=1, max_length=300)
    postcode: Line = Field(min_length=5, max_length=6)
    city: Name = Field(min_length=1, max_length=120)
    building: Line = Field(default="", max_length=100)
    floor: Line = Field(default="", max_length=50)
    room: Line = Field(default="", max_length=100)
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    has_elevator: bool = False
    has_loading_dock: bool = False
    stairs: bool = False
    van_parking: bool = False
    access_notes: Text = Field(default="", max_length=2000)
    contact_name: Name = Field(min_length=1, max_length=200)
    contact_email: EmailStr
    contact_phone: Line = Field(default="", max_length=40)
    call_ahead: bool = False
    windows: list[Window] = Field(min_length=1, max_length=20)
    items: list[Item] = Field(min_length=1, max_length=20)
    estimated_weight_kg: WeightKg | None = None
    data_destruction: DataDestruction = DataDestruction.CERTIFICATE
    declared_serials: list[Serial] = Field(default_factory=list, max_length=20_000)


class PickupCreate(PickupFields):
    donor_id: IdField | None = Field(
        default=None, description="Implied for a donor; required otherwise."
    )
    language: Literal["fr", "en"] | None = Field(
        default=None,
        description="The language of the contact's emails (the service's default language).",
    )


class PickupUpdate(PartialUpdate):
    nullable = frozenset({"estimated_weight_kg"})

    address: Name | None = Field(default=None, min_length=1, max_length=300)
    postcode: Line | None = Field(default=None, min_length=5, max_length=6)
    city: Name | None = Field(default=None, min_length=1, max_length=120)
    building: Line | None = Field(default=None, max_length=100)
    floor: Line | None = Field(default=None, max_length=50)
    room: Line | None = Field(default=None, max_length=100)
    has_elevator: bool | None = None
    has_loading_dock: bool | None = None
    stairs: bool | None = None
    van_parking: bool | None = None
    access_notes: Text | None = Field(default=None, max_length=2000)
    contact_name: Name | None = Field(default=None, min_length=1, max_length=200)
    contact_email: EmailStr | None = None
    contact_phone: Line | None = Field(default=None, max_length=40)
    call_ahead: bool | None = None
    windows: list[Window] | None = Field(default=None, min_length=1, max_length=20)
    items: list[Item] | None = Field(default=None, min_length=1, max_length=20)
    estimated_weight_kg: WeightKg | None = None
    data_destruction: DataDestruction | None = None
    declared_serials: list[Annotated[Line, Field(max_length=100)]] | None = Field(
        default=None, max_length=20_000
    )


class ScheduleIn(BaseModel):
    date: PlanDate
    site_id: IdField
    window_start: Line = Field(default="", pattern=r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]$")
    window_end: Line = Field(default="", pattern=r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]$")
    vehicle: Line = Field(default="", max_length=60)


class CollectIn(BaseModel):
    weight_kg: WeightKg
    released_by: Name = Field(min_length=1, max_length=200)
    received_by: Name = Field(min_length=1, max_length=200)
    counts: dict[Category, Count] | None = None


class CancelIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=2000)


class PickupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    donor_id: int
    status: PickupStatus
    address: str
    building: str
    floor: str
    room: str
    postcode: str
    city: str
    territory: str
    latitude: float | None
    longitude: float | None
    position_source: Literal["address", "commune", "manual"] | None = Field(
        description="address: found by the geocoder; commune: the centre of the postcode's "
        "commune (approximate); manual: given or corrected; null: no position."
    )
    position_approximate: bool = Field(description="The position is the commune's centre.")
    position_label: str = Field(description="What the geocoder matched, or the commune's name.")
    has_elevator: bool
    has_loading_dock: bool
    stairs: bool
    van_parking: bool
    access_notes: str
    contact_name: str
    contact_email: str
    contact_phone: str
    call_ahead: bool
    windows: list[dict[str, str]]
    items: list[dict[str, object]]
    estimated_weight_kg: float | None
    data_destruction: DataDestruction
    declared_serials: list[str]
    requested_at: dt.datetime
    scheduled_on: dt.date | None
    window_start: str
    window_end: str
    site_id: int | None
    vehicle: str
    collected_at: dt.datetime | None
    collected_counts: dict[str, int]
    collected_weight_kg: float | None
    released_by: str
    received_by: str
    cancelled_at: dt.datetime | None
    cancel_reason: str


class RunSheetItem(BaseModel):
    category: str
    quantity: int


class RunSheetStop(BaseModel):
    """One pickup on a van's day: where, how to get in, whom to call, when, what to load."""

    position: int | None = Field(description="Place on the solved route (1-based); null off it.")
    pickup_id: int
    donor_name: str
    address: str
    building: str
    floor: str
    room: str
    postcode: str
    city: str
    latitude: float | None
    longitude: float | None
    position_approximate: bool = Field(
        default=False, description="Placed at its commune's centre: the address was not found."
    )
    access: list[str] = Field(description="elevator, loading dock, stairs, van parking")
    access_notes: str
    contact_name: str
    contact_phone: str
    contact_email: str
    call_ahead: bool
    windows: list[str] = Field(description="Windows the stop was planned in, as HH:MM-HH:MM.")
    arrival: str | None = Field(description="Estimated time at the door (HH:MM); null off route.")
    departure: str | None
    items: list[RunSheetItem]
    item_count: int
    expected_weight_kg: float
    weight_estimated: bool = Field(description="True when estimated from typical item weights.")
    service_minutes: int
    reason: str | None = Field(default=None, description="Why the solver left the stop out.")
    reason_code: str | None = Field(
        default=None,
        description="The reason as a code: outside_day, too_heavy, unreachable, vehicle_full or "
        "window_clash.",
    )
    reason_values: dict[str, str] = Field(
        default_factory=dict, description="The figures the reason quotes (kg, times)."
    )


class RunSheetSite(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    address: str
    postcode: str
    city: str
    latitude: float | None
    longitude: float | None


class RunSheetOut(BaseModel):
    """A van's day: the solved route, the stops it could not fit, those without coordinates."""

    date: dt.date
    vehicle: str
    driver: str = Field(default="", description="The driver's name, as asked (printed on the PDF).")
    site: RunSheetSite
    depot_located: bool = Field(description="False when the site has no coordinates.")
    capacity_kg: float
    average_speed_kmh: float
    working_day: str
    departure: str | None = Field(description="Leaving the site (HH:MM).")
    return_at: str | None = Field(description="Back at the site (HH:MM); null without coordinates.")
    stops: list[RunSheetStop] = Field(description="The route, in order.")
    unassigned: list[RunSheetStop] = Field(description="Left out by the solver, with a reason.")
    uncoordinated: list[RunSheetStop] = Field(
        description="Without coordinates: not ordered by the solver, listed in window order."
    )
    planned_weight_kg: float = Field(description="Expected load of the routed stops.")
    total_weight_kg: float = Field(description="Routed stops plus those without coordinates.")
    total_items: int
    over_capacity: bool = Field(
        description="The routed stops and those without coordinates exceed the capacity."
    )
    solver: str
