"""What goes on a label and where, in printer dots: shared by the PDF and the ZPL renderers."""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

from collecte.devices.codes import ALPHABET, CODE_LENGTH, format_code
from collecte.labels.code128 import QUIET_MODULES
from collecte.labels.stocks import LINE_HEIGHT, TextField, mm_to_dots

CODE_PATTERN = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
ELLIPSIS = "…"
# Longer values are cut before measuring: no label line holds more, and it bounds the work.
MAX_VALUE_LENGTH = 200
# Separators a template puts between values; trimmed when a value next to them is empty.
_SEPARATORS = " \t·•–—-/,;:|"
# Characters the standard PDF fonts can draw (WinAnsi, i.e. cp1252), controls excluded.
_DRAWABLE = frozenset(
    char
    for char in bytes(range(32, 256)).decode("cp1252", errors="ignore")
    if unicodedata.category(char) != "Cc"
)
_DOT_EPSILON = 1e-6


@dataclass(frozen=True)
class LabelContent:
    """What one device label shows."""

    code: str  # bare 8-character device code, e.g. "7K3QXMT5" (validated by the caller)
    programme: str
    category: str  # already human text, e.g. "Ordinateur portable"
    brand: str
    model: str
    serial: str
    intake_on: datetime.date
    grade: str | None = None  # "A"/"B"/"C"/"X" after grading
    erased: bool = False  # prints the "data erased" mark
    url: str | None = None  # device page, drawn as a QR code where the layout has room


def check_code(code: str) -> None:
    """Refuse anything but a bare device code: it goes verbatim into barcodes and ZPL."""
    if not CODE_PATTERN.fullmatch(code):
        raise ValueError(f"not a bare 8-character device code: {code!r}")


def printable(text: str) -> str:
    """Text the label fonts can draw: one line, accents kept, other letters simplified."""
    text = unicodedata.normalize("NFC", text[: MAX_VALUE_LENGTH * 2])
    if all(char in _DRAWABLE for char in text):
        return text[:MAX_VALUE_LENGTH]
    chars: list[str] = []
    for char in text:
        if char in _DRAWABLE:
            chars.append(char)
        elif char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            chars.append(" ")  # a newline or tab in a serial must not start a new line
        else:
            # "ő" -> "o" rather than a missing glyph; what has no Latin base becomes "?"
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if c in _DRAWABLE)
            chars.append(base or "?")
    return "".join(chars)[:MAX_VALUE_LENGTH]


def template_values(content: LabelContent) -> dict[str, str]:
    """The values a stock's text templates may print, by name (see stocks.TEMPLATE_KEYS)."""
    return {
        "programme": printable(content.programme),
        "code": format_code(content.code),
        "category": printable(content.category),
        "brand": printable(content.brand),
        "model": printable(content.model),
        "serial": printable(content.serial),
        "intake_on": f"{content.intake_on:%d/%m/%Y}",
        "grade": printable(content.grade or ""),
    }


def field_text(field: TextField, content: LabelContent, values: dict[str, str]) -> str | None:
    """The line field prints for content, or None when it has nothing to say."""
    if field.when == "erased" and not content.erased:
        return None
    if field.keys and not any(values[key].strip() for key in field.keys):
        return None  # "Grade {grade}" before grading, "S/N {serial}" without a serial
    text = " ".join(field.template.format_map(values).split())
    # "{category} · {brand} {model}" with no category must not start with a dangling "·".
    return text.strip(_SEPARATORS) or None


@dataclass(frozen=True)
class FittedText:
    text: str
    size_pt: float
    width_pt: float


@lru_cache(maxsize=65536)
def _unit_width(text: str, font: str) -> float:
    return float(stringWidth(text, font, 1.0))


def fit_text(
    text: str, font: str, size_pt: float, min_size_pt: float, width_pt: float, height_pt: float
) -> FittedText:
    """Shrink text down to min_size_pt to fit the box, then cut it with an ellipsis."""
    size = min(size_pt, height_pt / LINE_HEIGHT)
    unit = _unit_width(text, font)
    if unit * size <= width_pt:
        return FittedText(text, size, unit * size)
    # The size that just fits, floored to 1/1000 pt as the renderers draw it: width_pt / unit
    # itself may come back a hair too wide (117.63779527559058 > ...056 pt for "Ordinateur
    # portable · Lenovo ThinkPad T14 Gen 3" on a DK-11209), and the text was then cut although
    # it fitted at that size.
    fitting = math.floor(width_pt / unit * 1000) / 1000
    size = max(min(size, fitting), min(min_size_pt, size))
    if unit * size <= width_pt:
        return FittedText(text, size, unit * size)
    # Binary search on the kept length: widths grow with it, and values can be long.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _unit_width(text[:middle].rstrip() + ELLIPSIS, font) * size <= width_pt:
            low = middle
        else:
            high = middle - 1
    cut = text[:low].rstrip() + ELLIPSIS
    width = _unit_width(cut, font) * size
    if width > width_pt:  # not even the ellipsis fits: print nothing rather than overflow
        return FittedText("", size, 0.0)
    return FittedText(cut, size, width)


@dataclass(frozen=True)
class DotSpan:
    """A run of whole printer dots along one axis: [start, end)."""

    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


def dot_span(start_mm: float, size_mm: float, dpi: int) -> DotSpan:
    """The whole dots inside [start_mm, start_mm + size_mm]: snapped inwards, never outwards."""
    start = math.ceil(mm_to_dots(start_mm, dpi) - _DOT_EPSILON)
    end = math.floor(mm_to_dots(start_mm + size_mm, dpi) + _DOT_EPSILON)
    return DotSpan(start, end)


@dataclass(frozen=True)
class BarcodePlacement:
    module_dots: int
    first_bar_dot: int  # left edge of the first bar; its quiet zone lies to the left of it


def place_barcode(
    symbol_modules: int, span: DotSpan, *, min_module_dots: int, max_module_dots: int
) -> BarcodePlacement:
    """The largest whole-dot module that fits the symbol and its quiet zones in span, centred."""
    total = symbol_modules + 2 * QUIET_MODULES
    module = min(max_module_dots, span.size // total)
    if module < min_module_dots:
        # Stocks are checked against the longest 8-character symbol when they are loaded.
        raise ValueError(f"a {total}-module barcode does not fit in {span.size} dots")
    left = span.start + (span.size - total * module) // 2
    return BarcodePlacement(module, left + QUIET_MODULES * module)


def qr_module_dots(matrix_size: int, quiet_modules: int, side_dots: int) -> int:
    """The whole-dot module size of a QR code (quiet zone included) in a square of side_dots."""
    return side_dots // (matrix_size + 2 * quiet_modules)
