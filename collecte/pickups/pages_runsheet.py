"""The coordinator's daily run sheet as a page and as its PDF, read with the session.

Both read ``runsheet.run_sheet``, the JSON API's run sheet (same scoping: a coordinator sees the
stops received at its own workshop's sites), and the PDF is the API's download. Their routes are
included before ``/pickups/{pickup_id}`` so that ``run-sheet`` is never read as a pickup id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from collecte.auth.deps import SettingsDep, WebUser
from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.db import SessionDep
from collecte.core.errors import Conflict, InvalidInput, NotFound
from collecte.core.forms import LOCAL_ZONE, ascii_int, form_date
from collecte.core.i18n import gettext
from collecte.core.schemas import MAX_ID
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.core.web import render, request_language
from collecte.orgs.models import Site
from collecte.orgs.policy import visible_sites
from collecte.pickups import routing, runsheet, service
from collecte.pickups.policy import require_run_sheet_reader
from collecte.pickups.router import run_sheet_response
from collecte.pickups.schemas import RunSheetOut, RunSheetStop

router = APIRouter(include_in_schema=False)

DateQuery = Annotated[str, Query(max_length=10)]
VehicleQuery = Annotated[str, Query(max_length=60)]
SiteQuery = Annotated[str, Query(max_length=10)]
DriverQuery = Annotated[str, Query(max_length=80)]

# The run sheet names access as the API does; the page says it in the visitor's language.
ACCESS_LABELS = {
    "elevator": N_("Elevator"),
    "loading dock": N_("Loading dock"),
    "stairs": N_("Stairs to climb"),
    "van parking": N_("Parking for a van"),
}


@dataclass(frozen=True)
class Round:
    """The round a query names: a day, a vehicle ("" for pickups without one), maybe a site."""

    on: dt.date
    vehicle: str
    site_id: int | None

    driver: str = ""

    def query(self) -> str:
        params = {"date": self.on.isoformat(), "vehicle": self.vehicle}
        if self.site_id is not None:
            params["site_id"] = str(self.site_id)
        if self.driver:
            params["driver"] = self.driver
        return urlencode(params)


def typed_round(
    user: WebUser,
    date: DateQuery = "",
    vehicle: VehicleQuery = "",
    site_id: SiteQuery = "",
    driver: DriverQuery = "",
) -> dict[str, str]:
    """The run-sheet query as typed (a dependency), once the visitor may read run sheets."""
    require_run_sheet_reader(user)
    return {
        "date": date.strip(),
        "vehicle": vehicle.strip(),
        "site_id": site_id.strip(),
        "driver": driver.strip(),
    }


TypedRound = Annotated[dict[str, str], Depends(typed_round)]


def read_round(typed: Mapping[str, str]) -> Round:
    """The query as a round; a date or site that is not one is refused (422) with its field."""
    on = form_date(typed["date"], formats=("%Y-%m-%d",))
    if on is None:
        raise InvalidInput(
            "invalid_round_date",
            N_("Enter the day of the round as YYYY-MM-DD."),
            extra={"field": "date"},
        )
    site = typed["site_id"]
    site_id = ascii_int(site, low=1, high=MAX_ID)
    if site and site_id is None:
        raise InvalidInput(
            "invalid_round_site", N_("Choose one of the listed sites."), extra={"field": "site_id"}
        )
    return Round(on=on, vehicle=typed["vehicle"], site_id=site_id, driver=typed["driver"])


def _sheet(session: Session, user: User, settings: Settings, wanted: Round) -> RunSheetOut:
    sheet = runsheet.run_sheet(
        session,
        viewer=user,
        on=wanted.on,
        vehicle=wanted.vehicle,
        site_id=wanted.site_id,
        capacity_kg=settings.van_capacity_kg,
    )
    return sheet.model_copy(update={"driver": wanted.driver})


def access_label(name: str) -> str:
    """An access the run sheet names (elevator, van parking…), in the current language."""
    return gettext(ACCESS_LABELS[name]) if name in ACCESS_LABELS else name


def reason_text(stop: RunSheetStop) -> str:
    """Why the solver left a stop out, in the current language."""
    if stop.reason_code not in routing.REASONS:
        return stop.reason or ""
    return gettext(routing.REASONS[stop.reason_code]) % stop.reason_values


@router.get("/pickups/run-sheet", response_class=HTMLResponse)
def run_sheet_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    settings: SettingsDep,
    typed: TypedRound,
) -> HTMLResponse:
    """A vehicle's round of the day: the stops in the solver's order, those left out, the PDF."""
    values = dict(typed)  # shown again in the form

    def page(
        status_code: int = 200,
        *,
        wanted: Round | None = None,
        sheet: RunSheetOut | None = None,
        errors: dict[str, str] | None = None,
        site_choices: list[Site] | None = None,
    ) -> HTMLResponse:
        return render(
            request,
            "pickups/run_sheet.html",
            status_code=status_code,
            user=user,
            values=values,
            vehicles=service.known_vehicles(session, viewer=user),
            sites=list(session.scalars(visible_sites(user).order_by(Site.name))),
            wanted=wanted,
            sheet=sheet,
            errors=errors or {},
            site_choices=site_choices or [],
            access_label=access_label,
            reason_text=reason_text,
        )

    if not values["date"]:  # the form alone, for today
        values["date"] = utcnow().astimezone(LOCAL_ZONE).date().isoformat()
        return page()
    try:
        wanted = read_round(values)
    except InvalidInput as exc:
        errors = {str(exc.extra["field"]): exc.message(request_language(request))}
        return page(exc.status_code, errors=errors)
    try:
        sheet = _sheet(session, user, settings, wanted)
    except NotFound:  # nothing scheduled that day for that vehicle (at any of the viewer's sites)
        return page(404, wanted=wanted)
    except Conflict as exc:  # the vehicle serves several sites that day: one round per site
        ids = exc.extra.get("sites")
        if not isinstance(ids, list):
            raise
        query = visible_sites(user).where(Site.id.in_(ids)).order_by(Site.name)
        return page(409, wanted=wanted, site_choices=list(session.scalars(query)))
    return page(sheet=sheet, wanted=wanted)


@router.get("/pickups/run-sheet.pdf")
def run_sheet_pdf(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep, typed: TypedRound
) -> Response:
    """The day's run sheet PDF of a vehicle, as the API serves it, in the visitor's language."""
    sheet = _sheet(session, user, settings, read_round(typed))
    return run_sheet_response(
        session, sheet=sheet, actor=user, settings=settings, language=request_language(request)
    )
