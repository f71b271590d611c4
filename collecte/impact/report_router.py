"""The impact report as a PDF for API callers (``GET /api/v1/impact/report.pdf``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from collecte.auth.deps import CurrentUser, SettingsDep
from collecte.core.db import SessionDep
from collecte.documents.router import ISSUED_PDF_RESPONSES, Lang, api_language, pdf_response
from collecte.impact.counters import Scope
from collecte.impact.report import impact_report
from collecte.impact.schemas import ScopeAsked

router = APIRouter(prefix="/api/v1", tags=["impact"])

# As for the figures: a filter naming an organisation or site the caller may not see is unknown.
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "A filter names an organisation or site the caller cannot see."}
}


def report_filename(kind: str, asked: Scope) -> str:
    """A report's file name: its kind and period (``csr-report-2026-01-01-2026-12-31.pdf``)."""
    days = [day.isoformat() for day in (asked.date_from, asked.date_to) if day is not None]
    return "-".join([kind.replace("_", "-"), *days]) + ".pdf"


@router.get(
    "/impact/report.pdf",
    response_class=Response,
    responses={**ISSUED_PDF_RESPONSES, **_NOT_FOUND},
)
def read_impact_report(
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    asked: ScopeAsked,
    lang: Lang = None,
) -> Response:
    """The impact report (PDF, issued once) of what the caller may see for these filters: the
    figures, charts, factor version and sources, the chain head; for one donor, the CSR report
    with what became of its devices."""
    issued = impact_report(
        session,
        viewer=viewer,
        settings=settings,
        asked=asked,
        language=api_language(settings, lang),
        produced_by=viewer,
    )
    return pdf_response(issued, report_filename(issued.document.kind, asked))
