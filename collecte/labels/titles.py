"""A label stock's name as the pages show it, in the reader's language.

A stock file's ``name`` is the operator's own English line (the API's ``name``); the pages word
the stock from its data instead: the product, then what it is (a roll of labels of this size, an
A4 sheet of so many), numbers the reader's way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

from collecte.core import i18n
from collecte.labels.stocks import LabelStock, load_stocks

A4_MM = (210.0, 297.0)


def _number(value: float) -> str:
    return format_decimal(round(value, 1), format="0.#", locale=i18n.current_language.get())


def _size(width_mm: float, height_mm: float) -> str:
    return i18n.gettext("%(width)s × %(height)s mm") % {
        "width": _number(width_mm),
        "height": _number(height_mm),
    }


def stock_title(stock: LabelStock) -> str:
    """The stock in the current language: "Avery L7651 — A4 sheet of 65 labels, 38.1 × 21.2 mm"."""
    size = _size(stock.label_width_mm, stock.label_height_mm)
    roll = (stock.page_width_mm, stock.page_height_mm) == (
        stock.label_width_mm,
        stock.label_height_mm,
    )  # on a roll the page is the label
    if not roll:
        is_a4 = (stock.page_width_mm, stock.page_height_mm) == A4_MM
        paper = "A4" if is_a4 else _size(stock.page_width_mm, stock.page_height_mm)
        what = i18n.ngettext(
            "%(paper)s sheet of %(num)s label, %(size)s",
            "%(paper)s sheet of %(num)s labels, %(size)s",
            stock.per_page,
        ) % {"paper": paper, "num": stock.per_page, "size": size}
    else:
        what = i18n.gettext("roll of %(size)s labels") % {"size": size}
    if stock.kind == "zpl":
        what = i18n.gettext("%(what)s, ZPL for a %(dpi)s dpi printer") % {
            "what": what,
            "dpi": stock.dpi,
        }
    return f"{stock.product} — {what}"


@dataclass(frozen=True)
class _Title:
    """A stock's title worded when the page is rendered, in that page's language."""

    stock: LabelStock

    def __str__(self) -> str:
        return stock_title(self.stock)


def stock_choices() -> list[dict[str, Any]]:
    """The stocks a page offers: ``id`` (the form's value) and ``name`` (worded as rendered)."""
    return [
        {"id": stock.id, "name": _Title(stock)}
        for stock in sorted(load_stocks().values(), key=lambda s: s.id)
    ]
