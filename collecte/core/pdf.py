"""The frame every Collecte PDF shares: what it covers, when it was produced, page numbers.

Its SHA-256 is recorded server-side by ``collecte.documents.service.record_document`` (a hash
cannot sit inside the file it hashes), so a copy can be verified later.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("CollecteTitle", parent=_styles["Title"], fontSize=16, spaceAfter=4)
BODY = ParagraphStyle("CollecteBody", parent=_styles["BodyText"], fontSize=9, leading=12)
SMALL = ParagraphStyle("CollecteSmall", parent=BODY, fontSize=7.5, leading=9.5)
CELL = ParagraphStyle("CollecteCell", parent=BODY, fontSize=7, leading=8.5)


def paragraph(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped: user data never becomes markup)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, style)


def table(rows: Sequence[Sequence[str]], col_widths: Sequence[float] | None = None) -> Table:
    """A data table with a repeated header row; cells wrap."""
    data = [[paragraph(str(cell), CELL) for cell in row] for row in rows]
    result = Table(data, colWidths=col_widths, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6efe9")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9aa5b1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return result


def build_pdf(
    *,
    programme: str,
    title: str,
    covers: str,
    produced_at: dt.datetime,
    body: Sequence[Flowable],
    author: str = "Collecte",
) -> bytes:
    """Render a document whose every page names its title, what it covers and when it was made."""
    buffer = io.BytesIO()
    stamp = produced_at.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M UTC")

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 8)
        canvas.drawString(15 * mm, A4[1] - 10 * mm, programme)
        canvas.setFont("Helvetica", 7)
        canvas.drawRightString(A4[0] - 15 * mm, A4[1] - 10 * mm, title)
        canvas.drawString(
            15 * mm, 8 * mm, f"Produced {stamp} · SHA-256 recorded by {programme} for verification"
        )
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"Page {doc.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=author,
        subject=covers,
        creator=programme,
    )
    story: list[Flowable] = [
        paragraph(title, TITLE),
        paragraph(f"Covers: {covers}", BODY),
        paragraph(f"Produced: {stamp}", BODY),
        Spacer(1, 4 * mm),
        *body,
    ]
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
