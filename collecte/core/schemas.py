"""Shared API field types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from collecte.core.events import EventKind

# Ids are 32-bit on every backend; a larger number can name nothing and must not reach the driver.
MAX_ID = 2_147_483_647

IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


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
