"""The home page: one per role, showing that role's real data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from collecte.auth.deps import WebUser
from collecte.core.db import SessionDep
from collecte.core.web import render
from collecte.home.service import home_summary

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    """The signed-in user's home page."""
    summary = home_summary(session, viewer=user)
    return render(request, f"home/{user.role.value}.html", user=user, summary=summary)
