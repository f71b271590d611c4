"""Device labels as PDF pages (vector barcodes on the printer's dot grid) or as ZPL text."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

import zxingcpp
from reportlab import rl_config
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfgen.canvas import Canvas

from collecte.devices.codes import format_code
from collecte.labels.code128 import encode
from collecte.labels.layout import (
    DotSpan,
    LabelContent,
    check_code,
    dot_span,
    field_text,
    fit_text,
    place_barcode,
    qr_module_dots,
    template_values,
)
from collecte.labels.stocks import (
    FRAME_INSET_PT,
    FRAME_RULE_PT,
    LINE_HEIGHT,
    MM_PER_INCH,
    TEXT_DESCENT,
    LabelStock,
    QrArea,
    TextField,
)
from collecte.labels.zpl import render_zpl

__all__ = ["LabelContent", "format_code", "media_type", "render_labels"]

PT_PER_MM = 72 / MM_PER_INCH


def media_type(stock: LabelStock) -> str:
    """The HTTP media type of what render_labels returns for stock."""
    return "application/pdf" if stock.kind == "pdf" else "text/plain; charset=utf-8"


def render_labels(
    stock: LabelStock,
    labels: Sequence[LabelContent],
    *,
    skip: int = 0,
    on_progress: Callable[[int], None] | None = None,
) -> bytes:
    """Render labels on stock: PDF bytes, or ZPL text encoded as UTF-8 for a zpl stock."""
    if not 0 <= skip < stock.per_page:
        raise ValueError(f"skip must be between 0 and {stock.per_page - 1} on {stock.id}")
    if not labels:
        raise ValueError("no labels to render")
    for label in labels:
        check_code(label.code)
    if stock.kind == "zpl":
        return render_zpl(stock, labels, on_progress=on_progress)
    return _PdfLabels(stock).render(labels, skip=skip, on_progress=on_progress)


class _PdfLabels:
    """Draws labels on a reportlab canvas, one page per sheet (or per label on a roll)."""

    def __init__(self, stock: LabelStock) -> None:
        self.stock = stock
        self.page_height_pt = stock.page_height_mm * PT_PER_MM
        dot_pt = 72 / stock.dpi  # one printer dot, in PDF points
        self.dot_pt = dot_pt
        self.font_names: dict[str, str] = {}
        # Maps (x, y) in printer dots from the page's top-left corner to PDF points.
        self.dot_matrix = fp_str(dot_pt, 0, 0, -dot_pt, 0, self.page_height_pt)

    def render(
        self,
        labels: Sequence[LabelContent],
        *,
        skip: int,
        on_progress: Callable[[int], None] | None,
    ) -> bytes:
        stock = self.stock
        buffer = io.BytesIO()
        # invariant: no timestamp or random id, so the same labels give the same bytes
        canvas = Canvas(
            buffer,
            pagesize=(stock.page_width_mm * PT_PER_MM, self.page_height_pt),
            invariant=True,
            pageCompression=1,
        )
        count = len(labels)
        canvas.setTitle(f"Device labels: {count} on {stock.name}")
        canvas.setSubject(
            f"Device labels: {count} label{'s' if count != 1 else ''}, stock {stock.id}"
            + (f", first {skip} label(s) of the sheet left blank" if skip else "")
        )
        canvas.setKeywords(["device labels", stock.id, f"count={count}", f"skip={skip}"])
        canvas.setCreator("Collecte")
        slot = skip
        for done, label in enumerate(labels, 1):
            self._draw_label(canvas, label, slot)
            slot += 1
            if slot == stock.per_page or done == count:
                canvas.showPage()
                slot = 0
                if on_progress is not None:
                    on_progress(done)
        with _binary_streams():
            canvas.save()
        return buffer.getvalue()

    def _draw_label(self, canvas: Canvas, label: LabelContent, slot: int) -> None:
        stock = self.stock
        row, column = divmod(slot, stock.columns)
        left_mm = stock.margin_left_mm + column * stock.pitch_x_mm
        top_mm = stock.margin_top_mm + row * stock.pitch_y_mm
        values = template_values(label)
        lines: list[str] = []
        for field in stock.texts:
            text = field_text(field, label, values)
            if text is not None:
                self._add_text(canvas, lines, field, text, left_mm, top_mm)
        if lines:
            # One text object for all the label's lines, written directly: reportlab's text
            # objects cost as much as everything else on the label put together.
            canvas.addLiteral("BT 0 g\n" + "\n".join(lines) + "\nET")
        self._draw_barcode(canvas, label.code, left_mm, top_mm)
        if stock.qr is not None and label.url:
            self._draw_qr(canvas, stock.qr, label.url, left_mm, top_mm)

    def _add_text(
        self,
        canvas: Canvas,
        lines: list[str],
        field: TextField,
        text: str,
        left_mm: float,
        top_mm: float,
    ) -> None:
        box = field.box
        x = (left_mm + box.x_mm) * PT_PER_MM
        y = self.page_height_pt - (top_mm + box.bottom_mm) * PT_PER_MM
        width, height = box.width_mm * PT_PER_MM, box.height_mm * PT_PER_MM
        if field.frame:
            # The rule is stroked inside the box so it never reaches a neighbouring field.
            half = FRAME_RULE_PT / 2
            canvas.setLineWidth(FRAME_RULE_PT)
            canvas.rect(x + half, y + half, width - FRAME_RULE_PT, height - FRAME_RULE_PT)
            x, y = x + FRAME_INSET_PT, y + FRAME_INSET_PT
            width, height = width - 2 * FRAME_INSET_PT, height - 2 * FRAME_INSET_PT
        fitted = fit_text(text, field.font, field.size_pt, field.min_size_pt, width, height)
        if not fitted.text:
            return
        if field.align == "center":
            x += (width - fitted.width_pt) / 2
        elif field.align == "right":
            x += width - fitted.width_pt
        baseline = y + (height - fitted.size_pt * LINE_HEIGHT) / 2 + TEXT_DESCENT * fitted.size_pt
        font = self._font_name(canvas, field.font)
        # Sizes and positions are floored to 1/1000 pt so rounding never widens the text.
        size = math.floor(fitted.size_pt * 1000) / 1000
        lines.append(
            f"{font} {size:.3f} Tf 1 0 0 1 {x:.3f} {baseline:.3f} Tm ({_pdf_string(fitted.text)}) Tj"
        )

    def _font_name(self, canvas: Canvas, font: str) -> str:
        name = self.font_names.get(font)
        if name is None:
            # The name the document's resources give this standard font ("/F1"), registering it
            # on first use, as reportlab's own text objects do.
            name = self.font_names[font] = str(canvas._doc.getInternalFontName(font))
        return name

    def _spans(
        self, box_x_mm: float, box_y_mm: float, width_mm: float, height_mm: float
    ) -> tuple[DotSpan, DotSpan]:
        # Dots are counted from the page's top-left corner, as the printer and a rasteriser count
        # them; on a roll the page is the label, so this is also the label's origin.
        dpi = self.stock.dpi
        return dot_span(box_x_mm, width_mm, dpi), dot_span(box_y_mm, height_mm, dpi)

    def _fill_dot_rects(self, canvas: Canvas, rects: list[str]) -> None:
        # Bars and QR modules are written as whole-dot integers in a top-down coordinate system
        # of printer dots: exact by construction, and far cheaper than reportlab's path objects,
        # which format every float (the batch benchmark spent most of its time there).
        body = "\n".join(rects)
        canvas.addLiteral(f"q 0 g {self.dot_matrix} cm\n{body}\nf Q")

    def _draw_barcode(self, canvas: Canvas, code: str, left_mm: float, top_mm: float) -> None:
        area = self.stock.barcode
        symbol = encode(code)
        across, down = self._spans(
            left_mm + area.box.x_mm, top_mm + area.box.y_mm, area.box.width_mm, area.box.height_mm
        )
        placement = place_barcode(
            symbol.modules,
            across,
            min_module_dots=area.min_module_dots,
            max_module_dots=area.max_module_dots,
        )
        first, module = placement.first_bar_dot, placement.module_dots
        tail = f" {down.start} "
        height = f" {down.size} re"
        self._fill_dot_rects(
            canvas,
            [
                f"{first + start * module}{tail}{width * module}{height}"
                for start, width in symbol.bars
            ],
        )

    def _draw_qr(
        self, canvas: Canvas, area: QrArea, url: str, left_mm: float, top_mm: float
    ) -> None:
        across, down = self._spans(
            left_mm + area.box.x_mm, top_mm + area.box.y_mm, area.box.width_mm, area.box.height_mm
        )
        matrix = _qr_matrix(url, area.error)
        size = len(matrix)
        module = qr_module_dots(size, area.quiet_modules, min(across.size, down.size))
        if module < area.min_module_dots:
            return  # the URL needs a larger symbol than the layout has room for: leave it out
        side = (size + 2 * area.quiet_modules) * module
        x0 = across.start + (across.size - side) // 2 + area.quiet_modules * module
        y0 = down.start + (down.size - side) // 2 + area.quiet_modules * module
        rects: list[str] = []
        for row_index, row in enumerate(matrix):
            y = y0 + row_index * module
            column = 0
            while column < size:
                if not row[column]:
                    column += 1
                    continue
                run_start = column
                while column < size and row[column]:
                    column += 1
                # One rectangle per horizontal run of dark modules keeps the path small.
                rects.append(
                    f"{x0 + run_start * module} {y} {(column - run_start) * module} {module} re"
                )
        self._fill_dot_rects(canvas, rects)


# Text goes into PDF strings as WinAnsi bytes (layout.printable keeps it to those): parentheses
# and backslash are escaped, bytes above ASCII written in octal so the content stays ASCII.
_PDF_STRING_ESCAPES = {
    **{byte: f"\\{byte:03o}" for byte in range(128, 256)},
    ord("("): "\\(",
    ord(")"): "\\)",
    ord("\\"): "\\\\",
}


def _pdf_string(text: str) -> str:
    return text.encode("cp1252").decode("latin-1").translate(_PDF_STRING_ESCAPES)


@contextmanager
def _binary_streams() -> Iterator[None]:
    # reportlab wraps compressed streams in ASCII85 unless told otherwise, and only through this
    # global; its pure-Python encoder took a quarter of a 650-label batch. Binary streams are
    # ordinary PDF, so another document saved meanwhile is unharmed by the switch either way.
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


@lru_cache(maxsize=1024)
def _qr_matrix(url: str, error: str) -> tuple[bytes, ...]:
    """The QR symbol's modules, row by row, 1 for dark (no quiet zone: the layout adds it)."""
    # zxing-cpp's C++ encoder takes well under a millisecond where a pure-Python one (segno)
    # spent ~10 ms choosing the mask: with a QR on every label, that decided a batch's speed.
    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=error.upper())
    pixels = bytes(memoryview(symbol.to_image(scale=1, add_quiet_zones=False)))  # type: ignore[arg-type]
    size = math.isqrt(len(pixels))  # a QR symbol is square, one byte a module
    return tuple(
        bytes(1 if pixels[row * size + col] < 128 else 0 for col in range(size))
        for row in range(size)
    )
