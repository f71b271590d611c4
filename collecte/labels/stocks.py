"""Label stocks: the data files in the top-level labels/ folder, loaded and checked."""

from __future__ import annotations

import math
import string
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

from collecte.core.bundled import bundled_folder
from collecte.devices.codes import CODE_LENGTH
from collecte.labels.code128 import worst_case_modules

LABELS_DIR: Path = bundled_folder("_label_stocks", "labels")

MM_PER_INCH = 25.4
# The fonts every PDF reader has without embedding; Helvetica's Latin-1 covers French.
FONTS = frozenset({"Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique"})
# What a text template may print, by name: see collecte.labels.layout.template_values.
TEMPLATE_KEYS = frozenset(
    {"programme", "code", "category", "brand", "model", "serial", "intake_on", "grade"}
)
# A line of text needs this many times its font size: Helvetica's glyphs reach 0.95 em above the
# baseline (accented capitals) and 0.23 em below it (descenders), so text sized by it never
# leaves its box.
TEXT_ASCENT = 0.95
TEXT_DESCENT = 0.23
LINE_HEIGHT = TEXT_ASCENT + TEXT_DESCENT
MIN_BARCODE_HEIGHT_MM = 5.0
# A framed text field (the "data erased" mark) is ruled inside its box and its text padded.
FRAME_RULE_PT = 0.6
FRAME_PADDING_PT = 0.6
FRAME_INSET_PT = FRAME_RULE_PT + FRAME_PADDING_PT
_EPSILON_MM = 0.01


def mm_to_dots(mm: float, dpi: int) -> float:
    """Millimetres to printer dots (not rounded)."""
    return mm * dpi / MM_PER_INCH


@dataclass(frozen=True)
class Box:
    """A rectangle in millimetres from the label's top-left corner."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float

    @property
    def right_mm(self) -> float:
        return self.x_mm + self.width_mm

    @property
    def bottom_mm(self) -> float:
        return self.y_mm + self.height_mm

    def overlaps(self, other: Box) -> bool:
        """Whether the two boxes share any area (touching edges do not count)."""
        return (
            self.x_mm < other.right_mm - _EPSILON_MM
            and other.x_mm < self.right_mm - _EPSILON_MM
            and self.y_mm < other.bottom_mm - _EPSILON_MM
            and other.y_mm < self.bottom_mm - _EPSILON_MM
        )


@dataclass(frozen=True)
class TextField:
    """One line of text: a template of content fields, fitted into its box."""

    name: str
    box: Box
    template: str
    keys: tuple[str, ...]  # the content fields the template prints
    font: str
    size_pt: float  # preferred size, shrunk down to min_size_pt before the text is truncated
    min_size_pt: float
    align: Literal["left", "center", "right"]
    frame: bool  # draw a rule around the box (the "data erased" mark)
    when: Literal["always", "erased"]


@dataclass(frozen=True)
class BarcodeArea:
    """Where the Code 128 symbol goes; the box includes its quiet zones."""

    box: Box
    min_module_dots: int
    max_module_dots: int


@dataclass(frozen=True)
class QrArea:
    """Where the optional QR code goes; the box includes its quiet zone."""

    box: Box
    quiet_modules: int
    min_module_dots: int
    error: Literal["L", "M", "Q", "H"]


@dataclass(frozen=True)
class LabelStock:
    """A label stock: page, grid of labels and what is printed where on each label."""

    id: str
    name: str
    product: str  # the make and model of the stock ("Avery L7651"), for a page's own wording
    kind: Literal["pdf", "zpl"]
    dpi: int
    label_width_mm: float
    label_height_mm: float
    columns: int
    rows: int
    page_width_mm: float
    page_height_mm: float
    margin_left_mm: float  # page edge to the first label
    margin_top_mm: float
    pitch_x_mm: float  # from one label's left edge to the next one's
    pitch_y_mm: float
    safe_margin_x_mm: float  # label edge the printer cannot reach or cuts imprecisely
    safe_margin_y_mm: float
    barcode: BarcodeArea
    qr: QrArea | None
    texts: tuple[TextField, ...]
    source: Path

    @property
    def per_page(self) -> int:
        """Labels on one page (1 for roll stocks)."""
        return self.columns * self.rows


class _Reader:
    """Typed access to a parsed TOML table, every error naming the file and the key."""

    def __init__(self, path: Path, data: dict[str, Any], where: str = "") -> None:
        self.path = path
        self.data = data
        self.where = where
        self.seen: set[str] = set()

    def fail(self, problem: str) -> ValueError:
        return ValueError(f"label stock {self.path}: {problem}")

    def _raw(self, key: str, default: Any = None) -> Any:
        """The value at key; without one, default, or an error when there is no default."""
        self.seen.add(key)
        if key not in self.data:
            if default is not None:
                return default
            raise self.fail(f"missing {self.where}{key}")
        return self.data[key]

    def table(self, key: str) -> _Reader:
        self.seen.add(key)
        value = self.data.get(key)
        if not isinstance(value, dict):
            raise self.fail(f"{self.where}{key} must be a table")
        return _Reader(self.path, value, f"{self.where}{key}.")

    def optional_table(self, key: str) -> _Reader | None:
        return self.table(key) if key in self.data else None

    def text(self, key: str, default: str | None = None) -> str:
        value = self._raw(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{self.where}{key} must be a non-empty string")
        return value

    def number(self, key: str, *, minimum: float = 0.0, default: float | None = None) -> float:
        value = self._raw(key, default)
        # bool is an int in Python; `true` for a size is a typo, not 1.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{self.where}{key} must be a number")
        if not math.isfinite(value) or value < minimum:
            raise self.fail(f"{self.where}{key} must be at least {minimum}, not {value}")
        return float(value)

    def integer(self, key: str, *, minimum: int, default: int | None = None) -> int:
        value = self._raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{self.where}{key} must be a whole number")
        if value < minimum:
            raise self.fail(f"{self.where}{key} must be at least {minimum}, not {value}")
        return value

    def flag(self, key: str) -> bool:
        value = self._raw(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{self.where}{key} must be true or false")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = self._raw(key, default)
        if value not in choices:
            raise self.fail(f"{self.where}{key} must be one of {', '.join(choices)}, not {value!r}")
        return cast(str, value)

    def box(self, key: str = "box") -> Box:
        value = self._raw(key)
        if (
            not isinstance(value, list)
            or len(value) != 4
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value)
        ):
            raise self.fail(f"{self.where}{key} must be [x, y, width, height] in mm")
        x, y, width, height = (float(v) for v in value)
        if x < 0 or y < 0 or width <= 0 or height <= 0:
            raise self.fail(f"{self.where}{key} must have x, y >= 0 and a positive size")
        return Box(x, y, width, height)

    def done(self) -> None:
        """Reject keys nobody read: a misspelt key must not be silently ignored."""
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.fail(f"unknown key {self.where}{unknown[0]}")


def _template_keys(reader: _Reader, template: str) -> tuple[str, ...]:
    keys: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise reader.fail(f"{reader.where}template {template!r}: {error}") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in TEMPLATE_KEYS or spec or conversion:
            raise reader.fail(
                f"{reader.where}template {template!r}: unknown field {{{field}}} "
                f"(known: {', '.join(sorted(TEMPLATE_KEYS))})"
            )
        keys.append(field)
    return tuple(keys)


def _text_field(reader: _Reader, name: str) -> TextField:
    template = reader.text("template")
    size_pt = reader.number("size_pt", minimum=2)
    min_size_pt = reader.number("min_size_pt", minimum=2, default=size_pt)
    if min_size_pt > size_pt:
        raise reader.fail(f"{reader.where}min_size_pt is larger than size_pt")
    field = TextField(
        name=name,
        box=reader.box(),
        template=template,
        keys=_template_keys(reader, template),
        font=reader.choice("font", tuple(sorted(FONTS)), default="Helvetica"),
        size_pt=size_pt,
        min_size_pt=min_size_pt,
        align=cast(
            Literal["left", "center", "right"],
            reader.choice("align", ("left", "center", "right"), default="left"),
        ),
        frame=reader.flag("frame"),
        when=cast(
            Literal["always", "erased"], reader.choice("when", ("always", "erased"), "always")
        ),
    )
    reader.done()
    inset_pt = 2 * FRAME_INSET_PT if field.frame else 0
    if field.box.height_mm / MM_PER_INCH * 72 - inset_pt < min_size_pt * LINE_HEIGHT:
        raise reader.fail(f"{reader.where}box is too low for text of {min_size_pt} pt")
    return field


def _barcode(reader: _Reader, dpi: int) -> BarcodeArea:
    area = BarcodeArea(
        box=reader.box(),
        min_module_dots=reader.integer("min_module_dots", minimum=2, default=2),
        max_module_dots=reader.integer("max_module_dots", minimum=2, default=10),
    )
    reader.done()
    if area.max_module_dots < area.min_module_dots:
        raise reader.fail(f"{reader.where}max_module_dots is below min_module_dots")
    # One dot is lost at each edge when the box is snapped to the printer's dot grid.
    available = math.floor(mm_to_dots(area.box.width_mm, dpi)) - 2
    needed = worst_case_modules(CODE_LENGTH) * area.min_module_dots
    if available < needed:
        raise reader.fail(
            f"{reader.where}box is {available} dots wide at {dpi} dpi; a {CODE_LENGTH}-character "
            f"Code 128 with quiet zones needs {needed} at {area.min_module_dots} dots per module"
        )
    if area.box.height_mm < MIN_BARCODE_HEIGHT_MM:
        raise reader.fail(f"{reader.where}box must be at least {MIN_BARCODE_HEIGHT_MM} mm high")
    return area


def _qr(reader: _Reader) -> QrArea:
    area = QrArea(
        box=reader.box(),
        quiet_modules=reader.integer("quiet_modules", minimum=1, default=4),
        min_module_dots=reader.integer("min_module_dots", minimum=2, default=2),
        error=cast(Literal["L", "M", "Q", "H"], reader.choice("error", ("L", "M", "Q", "H"), "M")),
    )
    reader.done()
    return area


def _check_geometry(reader: _Reader, stock: LabelStock) -> None:
    if stock.kind == "zpl" and (
        stock.per_page != 1
        or stock.qr is not None
        or (stock.page_width_mm, stock.page_height_mm)
        != (stock.label_width_mm, stock.label_height_mm)
    ):
        raise reader.fail("a zpl stock is a roll: page = label, a 1 x 1 grid and no QR area")
    if stock.columns > 1 and stock.pitch_x_mm < stock.label_width_mm - _EPSILON_MM:
        raise reader.fail("grid.pitch_x_mm is smaller than the label width: labels would overlap")
    if stock.rows > 1 and stock.pitch_y_mm < stock.label_height_mm - _EPSILON_MM:
        raise reader.fail("grid.pitch_y_mm is smaller than the label height: labels would overlap")
    right = stock.margin_left_mm + (stock.columns - 1) * stock.pitch_x_mm + stock.label_width_mm
    bottom = stock.margin_top_mm + (stock.rows - 1) * stock.pitch_y_mm + stock.label_height_mm
    if right > stock.page_width_mm + _EPSILON_MM or bottom > stock.page_height_mm + _EPSILON_MM:
        raise reader.fail("the grid of labels does not fit on the page")
    if (
        2 * stock.safe_margin_x_mm >= stock.label_width_mm
        or 2 * stock.safe_margin_y_mm >= stock.label_height_mm
    ):
        raise reader.fail("label.safe_margin_*_mm leave no room on the label")
    fields: list[tuple[str, Box]] = [("barcode", stock.barcode.box)]
    if stock.qr is not None:
        fields.append(("qr", stock.qr.box))
    fields += [(f"text.{text.name}", text.box) for text in stock.texts]
    for index, (name, box) in enumerate(fields):
        if (
            box.x_mm < stock.safe_margin_x_mm - _EPSILON_MM
            or box.y_mm < stock.safe_margin_y_mm - _EPSILON_MM
            or box.right_mm > stock.label_width_mm - stock.safe_margin_x_mm + _EPSILON_MM
            or box.bottom_mm > stock.label_height_mm - stock.safe_margin_y_mm + _EPSILON_MM
        ):
            raise reader.fail(f"{name}.box reaches outside the label's safe area")
        for other_name, other in fields[:index]:
            if box.overlaps(other):
                # Overlapping boxes would let one field print over another, however well each fits.
                raise reader.fail(f"{name}.box overlaps {other_name}.box")


def load_stock(path: Path) -> LabelStock:
    """Load and check one label stock file."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"label stock {path}: not valid TOML: {error}") from None
    root = _Reader(path, data)
    stock_id = root.text("id")
    if stock_id != path.stem:
        raise root.fail(f"id {stock_id!r} must match the file name {path.stem!r}")
    dpi = root.integer("dpi", minimum=100)
    page, label, grid = root.table("page"), root.table("label"), root.table("grid")
    texts_reader = root.table("text")
    texts = []
    for name in texts_reader.data:
        texts.append(_text_field(texts_reader.table(name), name))
    qr_reader = root.optional_table("qr")
    stock = LabelStock(
        id=stock_id,
        name=root.text("name"),
        product=root.text("product", default=root.text("name")),
        kind=cast(Literal["pdf", "zpl"], root.choice("kind", ("pdf", "zpl"))),
        dpi=dpi,
        label_width_mm=label.number("width_mm", minimum=5),
        label_height_mm=label.number("height_mm", minimum=5),
        safe_margin_x_mm=label.number("safe_margin_x_mm", default=0.0),
        safe_margin_y_mm=label.number("safe_margin_y_mm", default=0.0),
        columns=grid.integer("columns", minimum=1),
        rows=grid.integer("rows", minimum=1),
        margin_left_mm=grid.number("left_mm"),
        margin_top_mm=grid.number("top_mm"),
        pitch_x_mm=grid.number("pitch_x_mm", minimum=1),
        pitch_y_mm=grid.number("pitch_y_mm", minimum=1),
        page_width_mm=page.number("width_mm", minimum=5),
        page_height_mm=page.number("height_mm", minimum=5),
        barcode=_barcode(root.table("barcode"), dpi),
        qr=None if qr_reader is None else _qr(qr_reader),
        texts=tuple(texts),
        source=path,
    )
    for reader in (root, page, label, grid):
        reader.done()
    _check_geometry(root, stock)
    return stock


def load_stocks(directory: Path = LABELS_DIR) -> dict[str, LabelStock]:
    """Load every *.toml stock in directory, by id; a malformed file raises ValueError naming it."""
    return {stock.id: stock for stock in map(load_stock, sorted(directory.glob("*.toml")))}


@cache
def _bundled_stocks() -> dict[str, LabelStock]:
    return load_stocks(LABELS_DIR)


def get_stock(stock_id: str) -> LabelStock:
    """The bundled stock with this id (loaded once); KeyError if there is none."""
    stocks = _bundled_stocks()
    if stock_id not in stocks:
        raise KeyError(f"unknown label stock {stock_id!r} (known: {', '.join(sorted(stocks))})")
    return stocks[stock_id]
