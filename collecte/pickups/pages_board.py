"""The planning board: requested, scheduled and collected pickups side by side, with filters.

A coordinator plans rounds from it; a donor gets the same page with its own pickups only (the
board reads ``policy.visible_pickups``, like every other pickup page and endpoint).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from collecte.auth.deps import WebUser
from collecte.auth.models import User
from collecte.auth.policy import sees_workshop_internals
from collecte.core.db import SessionDep
from collecte.core.errors import Forbidden
from collecte.core.forms import LOCAL_ZONE, ascii_int, form_date, local_date
from collecte.core.schemas import MAX_ID
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.core.web import render
from collecte.orgs.models import Organization, Site
from collecte.orgs.policy import visible_sites
from collecte.pickups import policy, service
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.pages_forms import pickup_label, window_bounds, window_text

router = APIRouter(include_in_schema=False)

BOARD_STATUSES = (PickupStatus.REQUESTED, PickupStatus.SCHEDULED, PickupStatus.COLLECTED)
SHOWN_PER_STATUS = 100  # the most recent of a long column; the count says how many there are
_AREA = re.compile(r"^([0-9]{1,5}|2[AaBb])$")


@dataclass(frozen=True)
class BoardFilters:
    status: PickupStatus | None
    date_from: dt.date | None
    date_to: dt.date | None
    area: str
    site_id: int | None
    vehicle: str
    q: str

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None


def _filters(params: dict[str, str]) -> BoardFilters:
    """The query string as filters; a value that means nothing filters nothing."""
    try:
        status = PickupStatus(params["status"]) if params["status"] else None
    except ValueError:
        status = None
    return BoardFilters(
        status=status,
        date_from=form_date(params["date_from"]),
        date_to=form_date(params["date_to"]),
        area=params["area"].upper() if _AREA.match(params["area"]) else "",
        site_id=ascii_int(params["site_id"], low=1, high=MAX_ID),
        vehicle=params["vehicle"],
        q=params["q"],
    )


def _filtered(viewer: User, filters: BoardFilters) -> Select[Pickup]:
    """The visible pickups narrowed by every filter but the status and the dates."""
    query = policy.visible_pickups(viewer)
    if filters.area:
        # A département (92, 2A, 973) or the start of a postcode (921, 92400).
        query = query.where(
            or_(Pickup.territory == filters.area, Pickup.postcode.startswith(filters.area))
        )
    if filters.site_id is not None:
        query = query.where(Pickup.site_id == filters.site_id)
    if filters.vehicle:
        query = query.where(func.lower(Pickup.vehicle) == filters.vehicle.lower())
    if filters.q:
        pattern = f"%{filters.q.replace('%', '').replace('_', '')}%"
        donors = select(Organization.id).where(Organization.name.ilike(pattern))
        query = query.where(
            or_(
                Pickup.donor_id.in_(donors.scalar_subquery()),
                Pickup.contact_name.ilike(pattern),
                Pickup.city.ilike(pattern),
            )
        )
    return query


def _in_range(pickup: Pickup, filters: BoardFilters) -> bool:
    """A pickup's day (planned, else any preferred window's) falls within the dates."""
    if pickup.scheduled_on is not None:
        days = [pickup.scheduled_on]
    else:
        days = [window_bounds(w)[0].date() for w in pickup.windows]
    return any(
        (filters.date_from is None or day >= filters.date_from)
        and (filters.date_to is None or day <= filters.date_to)
        for day in days
    )


PLANNED = (PickupStatus.SCHEDULED, PickupStatus.COLLECTED)


def _planned_in_range(filters: BoardFilters) -> ColumnElement[bool]:
    """Planned pickups all carry their day: the database narrows them to the dates."""
    conditions = []
    if filters.date_from is not None:
        conditions.append(Pickup.scheduled_on >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Pickup.scheduled_on <= filters.date_to)
    return or_(Pickup.status.not_in(PLANNED), and_(*conditions))


def _columns(
    session: Session, query: Select[Pickup], filters: BoardFilters
) -> dict[PickupStatus, tuple[int, list[Pickup]]]:
    """Per status, how many pickups match and the ones to show (in the order planners read):
    the counts are one GROUP BY, but for requests narrowed by dates, read whole."""
    if filters.dated:
        query = query.where(_planned_in_range(filters))
    counted = query.order_by(None).subquery()
    counts: dict[PickupStatus, int] = dict(
        session.execute(select(counted.c.status, func.count()).group_by(counted.c.status)).all()
    )
    columns: dict[PickupStatus, tuple[int, list[Pickup]]] = {}
    for status in (*BOARD_STATUSES, PickupStatus.CANCELLED):
        column = query.where(Pickup.status == status)
        if status is PickupStatus.SCHEDULED:
            column = column.order_by(Pickup.scheduled_on, Pickup.window_start, Pickup.id)
        elif status is PickupStatus.COLLECTED:
            column = column.order_by(Pickup.collected_at.desc(), Pickup.id.desc())
        else:
            column = column.order_by(Pickup.requested_at, Pickup.id)
        if filters.dated and status not in PLANNED:
            # Requests carry their preferred days in a JSON list; open requests are few.
            matching = [p for p in session.scalars(column) if _in_range(p, filters)]
            columns[status] = (len(matching), matching[:SHOWN_PER_STATUS])
        else:
            shown = list(session.scalars(column.limit(SHOWN_PER_STATUS)))
            columns[status] = (counts.get(status, 0), shown)
    return columns


@router.get("/pickups", response_class=HTMLResponse)
def board(
    request: Request,
    session: SessionDep,
    user: WebUser,
    status: Annotated[str, Query(max_length=20)] = "",
    date_from: Annotated[str, Query(max_length=10)] = "",
    date_to: Annotated[str, Query(max_length=10)] = "",
    area: Annotated[str, Query(max_length=5)] = "",
    site_id: Annotated[str, Query(max_length=10)] = "",
    vehicle: Annotated[str, Query(max_length=60)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """Pickups by status with filters: a coordinator's planning board, a donor's own pickups."""
    if not policy.has_pickups(user):
        raise Forbidden("partner_has_no_pickups", N_("a partner has no pickups"))
    params = {
        "status": status,
        "date_from": date_from,
        "date_to": date_to,
        "area": area.strip(),
        "site_id": site_id,
        "vehicle": vehicle.strip(),
        "q": q.strip(),
    }
    filters = _filters(params)
    query = _filtered(user, filters)
    shown = (filters.status,) if filters.status else BOARD_STATUSES
    columns = _columns(session, query, filters)
    pickups = [p for s in shown for p in columns[s][1]]
    donor_ids = {p.donor_id for p in pickups}
    site_ids = {p.site_id for p in pickups if p.site_id}
    sees_sites = sees_workshop_internals(user)

    def status_url(wanted: PickupStatus) -> str:
        kept = {k: v for k, v in params.items() if v}
        return "/pickups?" + urlencode({**kept, "status": wanted.value})

    return render(
        request,
        "pickups/board.html",
        user=user,
        params=params,
        filtered=any(params.values()),
        statuses=list(PickupStatus),
        shown=shown,
        columns=columns,
        donors=dict(
            session.execute(
                select(Organization.id, Organization.name).where(Organization.id.in_(donor_ids))
            ).all()
        )
        if donor_ids
        else {},
        site_names=dict(
            session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all()
        )
        if site_ids
        else {},
        sites=list(session.scalars(visible_sites(user))) if sees_sites else [],
        vehicles=service.known_vehicles(session, viewer=user) if sees_sites else [],
        sees_sites=sees_sites,
        status_url=status_url,
        can_book=policy.may_book(user),
        can_read_run_sheets=policy.may_read_run_sheets(user),
        today=utcnow().astimezone(LOCAL_ZONE).date().isoformat(),
        window_text=window_text,
        local_date=local_date,
        plabel=pickup_label,
    )
