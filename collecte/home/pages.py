"""The home page: one per role, showing that role's real data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from collecte.auth.deps import WebUser
from collecte.core.db import SessionDep
from collecte.core.forms import local_date, local_time
from collecte.core.web import render
from collecte.home.service import home_summary, partner_flow_counts
from collecte.pickups.pages_donor import donor_portal
from collecte.pickups.pages_forms import pickup_label, window_text

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    """The signed-in user's home page (a donor's is its space: pickups, devices, documents)."""
    summary = home_summary(session, viewer=user)
    portal = donor_portal(session, viewer=user)  # empty for anyone but a donor
    return render(
        request,
        f"home/{user.role.value}.html",
        user=user,
        summary=summary,
        portal=portal,
        flow=partner_flow_counts(session, viewer=user),
        plabel=pickup_label,
        window_text=window_text,
        local_date=local_date,
        local_time=local_time,
    )
