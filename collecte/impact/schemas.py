"""What the impact API reads (filters) and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from pydantic_core import PydanticCustomError

from collecte.core.errors import InvalidInput
from collecte.core.schemas import IdQuery, check_plan_date
from collecte.core.vocabulary import N_
from collecte.impact.counters import Scope
from collecte.orgs.territory import UnknownTerritory, normalise_territory


def scope_asked(
    date_from: Annotated[
        dt.date | None, Query(alias="from", description="First day counted.")
    ] = None,
    date_to: Annotated[dt.date | None, Query(alias="to", description="Last day counted.")] = None,
    donor_id: IdQuery = None,
    partner_id: IdQuery = None,
    site_id: IdQuery = None,
    territory: Annotated[
        str | None, Query(max_length=3, description="A département code (69, 2A, 974).")
    ] = None,
) -> Scope:
    """The filters of an impact request, checked (422 for a bad value)."""
    # The range of a planned day: a period may end ahead (this year's report, asked in
    # December), where nothing is counted yet.
    for day in (date_from, date_to):
        try:
            if day is not None:
                check_plan_date(day)
        except PydanticCustomError as exc:
            raise InvalidInput(
                "impact_period_out_of_range",
                N_("a period from %(low)s to %(high)s is expected"),
                **(exc.context or {}),
            ) from exc
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidInput("impact_period_reversed", N_("the period ends before it starts"))
    code = None
    if territory is not None:
        try:
            code = normalise_territory(territory)
        except UnknownTerritory as exc:
            raise InvalidInput.because(exc.reason) from exc
    return Scope(
        date_from=date_from,
        date_to=date_to,
        donor_id=donor_id,
        partner_id=partner_id,
        site_id=site_id,
        territory=code,
    )


# The filters as a dependency of the API's and the pages' impact routes.
ScopeAsked = Annotated[Scope, Depends(scope_asked)]


class Counters(BaseModel):
    """DESIGN's impact counters (Impact section); ``reuse_rate`` is null when nothing was collected."""

    collected: int
    collected_kg: float
    refurbished: int
    redistributed: int
    handed_over: int
    people_equipped: int
    recycled: int
    recycled_kg: float
    parts: int
    reuse_rate: float | None
    waste_avoided_kg: float
    co2e_avoided_kg: float
    integration_hours: float


class BreakdownRow(BaseModel):
    key: str | int = Field(
        description="A month (YYYY-MM), an organisation's or site's id, a département, a category."
    )
    name: str | None = Field(description="The name, when the reader may see it.")
    counters: Counters


class ScopeOut(BaseModel):
    date_from: dt.date | None = Field(serialization_alias="from")
    date_to: dt.date | None = Field(serialization_alias="to")
    donor_id: int | None
    partner_id: int | None
    site_id: int | None
    territory: str | None
    workshop_id: int | None


class ImpactOut(BaseModel):
    counters: Counters
    factors_version: str = Field(description="The impact factor file the figures used.")
    displacement: float = Field(description="Share of reused devices standing in for a new one.")
    caveat: str
    scope: ScopeOut
    breakdowns: dict[str, list[BreakdownRow]]
    computed_at: dt.datetime
