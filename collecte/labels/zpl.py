"""Device labels as ZPL II for Zebra printers: one ^XA … ^XZ format per label."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from collecte.labels.code128 import QUIET_MODULES, worst_case_modules
from collecte.labels.layout import (
    LabelContent,
    dot_span,
    field_text,
    fit_text,
    place_barcode,
    template_values,
)
from collecte.labels.stocks import (
    FRAME_INSET_PT,
    FRAME_RULE_PT,
    LINE_HEIGHT,
    LabelStock,
    TextField,
    mm_to_dots,
)

# Zebra's font 0 (CG Triumvirate Bold Condensed) is not in reportlab; Helvetica-Bold is at least
# as wide at the same height, so a line measured with it does not run past its box on the printer.
METRICS_FONT = "Helvetica-Bold"
# ZPL reads ^ and ~ as command prefixes anywhere, even inside ^FD data; ^FH makes "_XX" a hex
# escape, so those, the escape character itself and any control character are sent as hex.
_ESCAPED = frozenset("^~_\\") | frozenset(chr(code) for code in (*range(32), 127))


def escape_field_data(text: str) -> str:
    """Field data for ^FH^FD: characters that could start a ZPL command become _XX hex escapes."""
    return "".join(f"_{ord(char):02X}" if char in _ESCAPED else char for char in text)


def render_zpl(
    stock: LabelStock,
    labels: Sequence[LabelContent],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> bytes:
    """ZPL for labels on a roll stock, UTF-8 encoded (^CI28)."""
    formats: list[str] = []
    for done, label in enumerate(labels, 1):
        formats.append(zpl_label(stock, label))
        if on_progress is not None:
            on_progress(done)
    return "".join(formats).encode("utf-8")


def zpl_label(stock: LabelStock, label: LabelContent) -> str:
    """One label as a ZPL format, one command per line."""
    width = round(mm_to_dots(stock.label_width_mm, stock.dpi))
    height = round(mm_to_dots(stock.label_height_mm, stock.dpi))
    commands = ["^XA", "^CI28", f"^PW{width}", f"^LL{height}", "^LH0,0"]
    values = template_values(label)
    for field in stock.texts:
        text = field_text(field, label, values)
        if text is not None:
            commands += _text_commands(stock, field, text)
    commands.append(_barcode_command(stock, label.code))
    commands.append("^XZ")
    return "\n".join(commands) + "\n"


def _text_commands(stock: LabelStock, field: TextField, text: str) -> list[str]:
    dpi = stock.dpi
    across = dot_span(field.box.x_mm, field.box.width_mm, dpi)
    down = dot_span(field.box.y_mm, field.box.height_mm, dpi)
    commands: list[str] = []
    x, y, width, height = across.start, down.start, across.size, down.size
    if field.frame:
        rule = max(1, round(FRAME_RULE_PT * dpi / 72))
        commands.append(f"^FO{x},{y}^GB{width},{height},{rule}^FS")
        inset = round(FRAME_INSET_PT * dpi / 72)
        x, y, width, height = x + inset, y + inset, width - 2 * inset, height - 2 * inset
    fitted = fit_text(
        text,
        METRICS_FONT,
        field.size_pt,
        field.min_size_pt,
        width * 72 / dpi,
        height * 72 / dpi,
    )
    if not fitted.text:
        return commands
    font_dots = max(1, int(fitted.size_pt * dpi / 72))
    text_width = round(fitted.width_pt * dpi / 72)
    if field.align == "center":
        x += (width - text_width) // 2
    elif field.align == "right":
        x += width - text_width
    y += max(0, (height - round(font_dots * LINE_HEIGHT)) // 2)
    commands.append(
        f"^FO{x},{y}^A0N,{font_dots},{font_dots}^FH^FD{escape_field_data(fitted.text)}^FS"
    )
    return commands


def _barcode_command(stock: LabelStock, code: str) -> str:
    area = stock.barcode
    across = dot_span(area.box.x_mm, area.box.width_mm, stock.dpi)
    down = dot_span(area.box.y_mm, area.box.height_mm, stock.dpi)
    # ">:" starts the symbol in subset B and mode N keeps it there, so its width is exactly the
    # all-B width computed here whatever packing a printer's automatic mode would pick.
    placement = place_barcode(
        worst_case_modules(len(code)) - 2 * QUIET_MODULES,
        across,
        min_module_dots=area.min_module_dots,
        max_module_dots=area.max_module_dots,
    )
    return (
        f"^FO{placement.first_bar_dot},{down.start}"
        f"^BY{placement.module_dots},3,{down.size}"
        f"^BCN,{down.size},N,N,N,N^FD>:{code}^FS"
    )
