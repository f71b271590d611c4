"""JSON and CSV API of the impact counters (``GET /api/v1/impact``, ``…/impact.csv``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from collecte.auth.deps import CurrentUser, SettingsDep
from collecte.core.db import SessionDep
from collecte.impact import service
from collecte.impact.schemas import ImpactOut, ScopeAsked

router = APIRouter(prefix="/api/v1", tags=["impact"])

# A filter naming an organisation or a site the caller may not see is answered as unknown.
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "A filter names an organisation or site the caller cannot see."}
}


@router.get("/impact", response_model=ImpactOut, responses=_NOT_FOUND)
def read_impact(
    session: SessionDep, viewer: CurrentUser, settings: SettingsDep, asked: ScopeAsked
) -> ImpactOut:
    """The impact counters of what the caller may see, with their breakdowns (month, donor,
    partner, site, territory, category, as its role allows) and the factor version used."""
    impact = service.impact_for(session, viewer, settings, asked)
    return service.impact_out(session, viewer, impact)


@router.get(
    "/impact.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        **_NOT_FOUND,
    },
)
def read_impact_csv(
    session: SessionDep, viewer: CurrentUser, settings: SettingsDep, asked: ScopeAsked
) -> Response:
    """The same figures as CSV (cells a spreadsheet would run as formulas are neutralised)."""
    impact = service.impact_for(session, viewer, settings, asked)
    text = service.csv_text(service.impact_out(session, viewer, impact))
    return Response(
        text.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="impact.csv"'},
    )
