"""The impact report for a signed-in page visitor (``/impact/report.pdf``), in the page's
language; the dashboard links to it with its own filters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from collecte.auth.deps import SettingsDep, WebUser
from collecte.core.db import SessionDep
from collecte.core.web import request_language
from collecte.documents.router import pdf_response
from collecte.impact.report import impact_report
from collecte.impact.report_router import report_filename
from collecte.impact.schemas import ScopeAsked

router = APIRouter(include_in_schema=False)


@router.get("/impact/report.pdf")
def impact_report_pdf(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep, asked: ScopeAsked
) -> Response:
    """The impact report (the CSR report for one donor), as the API's twin gives it."""
    issued = impact_report(
        session,
        viewer=user,
        settings=settings,
        asked=asked,
        language=request_language(request),
        produced_by=user,
    )
    return pdf_response(issued, report_filename(issued.document.kind, asked))
