"""The frame every Collecte PDF shares: what it covers, who issued it and when, how to verify it.

A document is rendered once, by ``collecte.documents.service.issue_document``, which stores its
bytes and records their SHA-256 (a hash cannot sit inside the file it hashes). Each page's footer
prints the document's verification code and a QR code to the public ``/verify`` page.

Text is in the reader's language: producers render inside ``in_language``, so ``gettext`` and the
vocabulary's labels translate, and numbers and dates go through Babel for that locale.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from collecte.core import i18n
from collecte.core.i18n import gettext as _
from collecte.labels.code128 import QUIET_MODULES, encode
from collecte.labels.render import _qr_matrix

LOCAL_ZONE = ZoneInfo("Europe/Paris")
QR_SIDE = 16 * mm
FOOTER_HEIGHT = QR_SIDE + 8 * mm

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("CollecteTitle", parent=_styles["Title"], fontSize=16, spaceAfter=4)
BODY = ParagraphStyle("CollecteBody", parent=_styles["BodyText"], fontSize=9, leading=12)
SMALL = ParagraphStyle("CollecteSmall", parent=BODY, fontSize=7.5, leading=9.5)
CELL = ParagraphStyle("CollecteCell", parent=BODY, fontSize=7, leading=8.5)
HEADING = ParagraphStyle("CollecteHeading", parent=BODY, fontName="Helvetica-Bold", spaceBefore=2)


@dataclass(frozen=True)
class Stamp:
    """What only the issue adds to a document: its code, version and time, and where to check it."""

    verification_code: str
    version: int
    issued_at: dt.datetime
    verify_url: str

    @property
    def grouped_code(self) -> str:
        """The code as printed, in groups of four (``XXXX-XXXX-XXXX``)."""
        code = self.verification_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Translate what is rendered inside into language (gettext, labels)."""
    token = i18n.current_language.set(language)
    try:
        yield
    finally:
        i18n.current_language.reset(token)


def _printable(text: str) -> str:
    # The standard PDF fonts print WinAnsi only: Babel's narrow no-break space (French thousands
    # separator, before "%") becomes an ordinary no-break space, which they have.
    return text.replace("\u202f", "\u00a0")


def number(value: float, *, digits: int = 1) -> str:
    """A number in the current locale (``16,5`` in French), with at most digits decimals."""
    return _printable(i18n.number(value, digits))


def kilograms(value: float) -> str:
    """A weight in the current locale: ``16,5 kg``."""
    return f"{number(value)} kg"


def euros(value: float) -> str:
    """An amount in euros in the current locale: ``30,00 €``."""
    return _printable(format_currency(value, "EUR", locale=i18n.locale()))


def local_time(value: dt.datetime) -> str:
    """A moment in Europe/Paris time, in the current locale's words."""
    return _printable(
        format_datetime(value, "d MMMM y, HH:mm", tzinfo=LOCAL_ZONE, locale=i18n.locale())
    )


def local_day(value: dt.date) -> str:
    """A day in the current locale's words (``1 décembre 2026``, ``1 December 2026``): digits
    alone read 07/06 as 7 June in France and July 6 to an English reader."""
    return _printable(format_date(value, "d MMMM y", locale=i18n.locale()))


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def paragraph(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped: user data never becomes markup)."""
    return Paragraph(_escaped(text), style)


def lines(texts: Sequence[str], style: ParagraphStyle = BODY) -> Paragraph:
    """Lines of plain text in one paragraph (an address block), the empty ones left out."""
    return Paragraph("<br/>".join(_escaped(t) for t in texts if t), style)


def table(
    rows: Sequence[Sequence[str | Flowable]], col_widths: Sequence[float] | None = None
) -> Table:
    """A data table with a repeated header row; text cells wrap, flowables (barcodes) are kept."""
    data = [
        [paragraph(cell, CELL) if isinstance(cell, str) else cell for cell in row] for row in rows
    ]
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


def signature_boxes(boxes: Sequence[tuple[str, str]], height: float = 30 * mm) -> Table:
    """Framed boxes side by side, the page's width, to sign by hand: a heading and a hint each."""
    width = (A4[0] - 30 * mm) / len(boxes)
    cells = [[paragraph(heading), paragraph(hint, SMALL)] for heading, hint in boxes]
    result = Table([cells], colWidths=[width] * len(boxes), rowHeights=[height])
    result.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, colors.black),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return result


class Barcode(Flowable):  # type: ignore[misc]  # reportlab ships no type information
    """A Code 128 symbol with its quiet zones, drawn as vectors whose bar edges fall on whole dots
    of a printer (3 dots of 300 dpi a module: 0.254 mm, as on the labels)."""

    def __init__(
        self, text: str, *, height: float = 8 * mm, module_dots: int = 3, dpi: int = 300
    ) -> None:
        super().__init__()
        self.symbol = encode(text)
        self.dot = 72 / dpi  # one printer dot, in points
        self.module_dots = module_dots
        self.height = height
        # One dot of slack: drawing moves the symbol right by less than a dot onto the grid.
        self.width = (self.symbol.modules_with_quiet_zones * module_dots + 1) * self.dot

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """The symbol's size, whatever the room (a cell narrower than it is a layout error)."""
        return self.width, self.height

    def draw(self) -> None:
        """Bars in whole dots, counted from the page's left edge as printers and rasterisers do."""
        canvas = self.canv
        left, _bottom = canvas.absolutePosition(0, 0)
        # A flowable is placed anywhere in a frame or a table cell: shift it onto the dot grid,
        # else every bar edge falls between two dots and bars print a dot wider or narrower.
        shift = math.ceil(left / self.dot - 1e-6) * self.dot - left
        module = self.module_dots
        first = QUIET_MODULES * module
        height = f"{self.height:.3f}"
        rects = "\n".join(
            f"{first + start * module} 0 {width * module} {height} re"
            for start, width in self.symbol.bars
        )
        # x in dots (integers, exact), y in points.
        canvas.addLiteral(f"q 0 g {self.dot:.6f} 0 0 1 {shift:.5f} 0 cm\n{rects}\nf Q")


def draw_qr(canvas: Any, text: str, *, x: float, y: float, side: float) -> None:
    """Draw a vector QR code of text with its bottom-left corner at (x, y), quiet zone included."""
    modules = _qr_matrix(text, "M")  # the labels' cached zxing-cpp encoder
    count = len(modules)
    module = side / (count + 8)  # a four-module quiet zone on each side
    top = y + side - 4 * module
    path = canvas.beginPath()
    for row_index, row in enumerate(modules):
        column = 0
        while column < count:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < count and row[column]:
                column += 1
            # One rectangle per run of dark modules keeps the page small.
            path.rect(
                x + (4 + start) * module,
                top - (row_index + 1) * module,
                (column - start) * module,
                module,
            )
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


LOGO_HEIGHT = 14 * mm
LOGO_MAX_WIDTH = 45 * mm


def _titled(title: Flowable, logo: bytes | None) -> Flowable:
    """The title, with the issuer's logo on its right when it has one (scaled to fit a box of
    45 x 14 mm, its proportions kept)."""
    if not logo:
        return title
    width, height = ImageReader(io.BytesIO(logo)).getSize()
    scale = min(LOGO_MAX_WIDTH / width, LOGO_HEIGHT / height)
    image = Image(io.BytesIO(logo), width=width * scale, height=height * scale, hAlign="RIGHT")
    room = A4[0] - 30 * mm
    heading = Table(
        [[title, image]], colWidths=[room - LOGO_MAX_WIDTH - 4 * mm, LOGO_MAX_WIDTH + 4 * mm]
    )
    heading.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return heading


def _draw_fitted(canvas: Any, text: str, *, x: float, y: float, width: float) -> None:
    """A footer line drawn whole: at 7 pt, smaller down to 5.5 pt if it must, else on two lines
    (a long legal name and address with a SIRET ran past the page, and was cut at 150 characters)."""
    for size in (7.0, 6.5, 6.0, 5.5):
        if stringWidth(text, "Helvetica", size) <= width:
            canvas.setFont("Helvetica", size)
            canvas.drawString(x, y, text)
            return
    canvas.setFont("Helvetica", 5.5)
    for number, line in enumerate(simpleSplit(text, "Helvetica", 5.5, width)[:2]):
        canvas.drawString(x, y - number * 2.4 * mm, line)


def build_pdf(
    *,
    programme: str,
    title: str,
    covers: str,
    issuer: str,
    stamp: Stamp,
    body: Sequence[Flowable],
    logo: bytes | None = None,
) -> bytes:
    """Render a document whose first lines and every page say what it is, who issued it and when
    (with the issuer's logo beside the title, when it has one)."""
    buffer = io.BytesIO()
    issued = local_time(stamp.issued_at)
    code_line = _("Verification code: %(code)s") % {"code": stamp.grouped_code}
    check_line = _("Check this document at %(url)s") % {"url": stamp.verify_url.split("?")[0]}
    issued_line = _("Issued on %(when)s (Paris time) by %(issuer)s, version %(version)s") % {
        "when": issued,
        "issuer": issuer,
        "version": stamp.version,
    }

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 8)
        canvas.drawString(15 * mm, A4[1] - 10 * mm, programme)
        canvas.setFont("Helvetica", 7)
        canvas.drawRightString(A4[0] - 15 * mm, A4[1] - 10 * mm, title[:110])
        draw_qr(canvas, stamp.verify_url, x=15 * mm, y=5 * mm, side=QR_SIDE)
        text_x = 15 * mm + QR_SIDE + 2 * mm
        canvas.setFont("Helvetica-Bold", 8)
        canvas.drawString(text_x, 5 * mm + 11 * mm, code_line)
        canvas.setFont("Helvetica", 7)
        canvas.drawString(text_x, 5 * mm + 7 * mm, check_line)
        _draw_fitted(
            canvas, issued_line, x=text_x, y=5 * mm + 3 * mm, width=A4[0] - 15 * mm - text_x
        )
        # On the code's line: the issue line below runs the page's width.
        canvas.drawRightString(
            A4[0] - 15 * mm, 5 * mm + 11 * mm, _("Page %(page)s") % {"page": doc.page}
        )
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=FOOTER_HEIGHT,
        title=title,
        author=issuer,
        subject=f"{covers} — {_('Issued on %(when)s') % {'when': issued}}",
        creator=programme,
        lang=i18n.current_language.get(),
    )
    story: list[Flowable] = [
        _titled(paragraph(title, TITLE), logo),
        paragraph(_("Covers: %(covers)s") % {"covers": covers}),
        paragraph(_("Issued by: %(issuer)s") % {"issuer": issuer}),
        paragraph(
            _("Issued on: %(when)s (Paris time) · version %(version)s · verification code %(code)s")
            % {"when": issued, "version": stamp.version, "code": stamp.grouped_code}
        ),
        Spacer(1, 4 * mm),
        *body,
    ]
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
