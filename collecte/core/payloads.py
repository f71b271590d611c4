"""What each kind of event carries: one pydantic model per kind, checked when the event is written
(``collecte.core.events.PAYLOADS`` pairs them with their kinds). Apart from the log itself so that
each file reads in one sitting; every domain imports them from ``collecte.core.events``."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoPayload(Payload):
    """The kind carries nothing beyond its dimensions and note."""


class TransitionPayload(Payload):
    weight_kg: float | None = Field(default=None, description="Weight at exit (parts, recycling).")


class DiagnosisPayload(Payload):
    result: Literal["pass", "fail"]
    diagnosis_id: int


class ErasurePayload(Payload):
    erasure_id: int
    storage_serial: str
    result: Literal["erased", "failed", "aborted"]
    verified: bool


class GradePayload(Payload):
    functional: str
    cosmetic: str
    grade: str


class PartUsed(Payload):
    name: str
    quantity: int


class RepairPayload(Payload):
    minutes: int
    parts: list[PartUsed]
    integration_contract: bool = False


class ReasonPayload(Payload):
    reason: str


class MovePayload(Payload):
    from_site_id: int
    to_site_id: int


class PickupItem(Payload):
    category: str
    quantity: int


class PickupRequestedPayload(Payload):
    items: list[PickupItem]


class PickupUpdatedPayload(Payload):
    fields: list[str]


class PickupScheduledPayload(Payload):
    date: dt.date
    site_id: int
    window_start: str = ""
    window_end: str = ""
    vehicle: str = ""


class PickupCollectedPayload(Payload):
    weight_kg: float
    counts: dict[str, int]
    released_by: str
    received_by: str


class RequestLinePayload(Payload):
    category: str
    quantity: int
    min_ram_gb: int | None = None
    min_storage_gb: int | None = None
    min_grade: str | None = None


class RequestSubmittedPayload(Payload):
    lines: list[RequestLinePayload]
    beneficiaries_count: int


class DecisionPayload(Payload):
    note: str = ""


class RequestLineChangedPayload(Payload):
    line_id: int
    reason: str
    from_category: str
    to_category: str
    from_quantity: int
    to_quantity: int


class AllocationPayload(Payload):
    allocation_id: int
    line_id: int


class NotDeliveredPayload(Payload):
    allocation_id: int
    outcome: Literal["returned", "lost"]
    reason: str


class ReturnPayload(Payload):
    reason: str
    personal_data_removed: bool | None = None


class HandoverPayload(Payload):
    handover_id: int
    age_band: str | None = None
    situation: str | None = None
    postcode: str | None = None
    price_paid_eur: float | None = None


class ShipmentPayload(Payload):
    devices: int


class ShipmentDeliveredPayload(Payload):
    delivered: int
    missing: int
