"""Layout rules that need no rendering: text fitting, templates, barcode placement."""

from __future__ import annotations

import dataclasses

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from collecte.labels.layout import (
    DotSpan,
    dot_span,
    field_text,
    fit_text,
    place_barcode,
    printable,
    template_values,
)
from collecte.labels.stocks import LINE_HEIGHT, get_stock
from tests.labels.helpers import make_label


def test_text_that_fits_keeps_its_size() -> None:
    fitted = fit_text("Collecte", "Helvetica", 8, 5, 200, 20)
    assert (fitted.text, fitted.size_pt) == ("Collecte", 8)


def test_text_is_limited_by_the_box_height() -> None:
    fitted = fit_text("Collecte", "Helvetica", 30, 5, 500, 12)
    assert fitted.size_pt == pytest.approx(12 / LINE_HEIGHT)


def test_text_shrinks_before_it_is_cut() -> None:
    text = "Ordinateur portable · Lenovo ThinkPad T480"
    natural = stringWidth(text, "Helvetica", 8)
    fitted = fit_text(text, "Helvetica", 8, 5, natural * 0.8, 20)
    assert fitted.text == text
    assert fitted.size_pt == pytest.approx(6.4)
    assert fitted.width_pt <= natural * 0.8 + 1e-9


def test_text_too_long_at_the_smallest_size_is_cut_with_an_ellipsis() -> None:
    text = "W" * 500
    fitted = fit_text(text, "Helvetica-Bold", 8, 5, 60, 20)
    assert fitted.size_pt == 5
    assert fitted.text.endswith("…")
    assert fitted.text.startswith("WWW")
    assert stringWidth(fitted.text, "Helvetica-Bold", 5) <= 60
    # as much text as fits: one more character would not
    longer = "W" * len(fitted.text) + "…"
    assert stringWidth(longer, "Helvetica-Bold", 5) > 60


def test_nothing_is_printed_when_not_even_the_ellipsis_fits() -> None:
    assert fit_text("Collecte", "Helvetica", 8, 8, 2, 20).text == ""


def test_printable_keeps_french_and_simplifies_the_rest() -> None:
    assert (
        printable("Unité centrale — réemploi « éco » œuvre")
        == "Unité centrale — réemploi « éco » œuvre"
    )
    assert printable("Łódź Dvořák 😀") == "?ódz Dvorák ?"
    assert printable("SN\n123\t4") == "SN 123 4"


def test_templates_skip_empty_fields_and_dangling_separators() -> None:
    stock = get_stock("brother-dk11209")
    fields = {text.name: text for text in stock.texts}
    label = make_label("7K3QXMT5", category="", brand="Dell", model="", serial="", grade=None)
    values = template_values(label)
    assert field_text(fields["description"], label, values) == "Dell"
    assert field_text(fields["serial"], label, values) is None
    assert field_text(fields["grade"], label, values) is None
    assert field_text(fields["code"], label, values) == "7K3Q XMT5"
    assert field_text(fields["intake"], label, values) == "Entrée 22/11/2026"
    assert field_text(fields["erased"], label, values) == "Données effacées"
    not_erased = dataclasses.replace(label, erased=False)
    assert field_text(fields["erased"], not_erased, values) is None


def test_dot_span_snaps_inwards_to_whole_dots() -> None:
    # 4.75 mm is 56.1 dots at 300 dpi: the span starts on the next whole dot and ends on or
    # before the box's edge.
    span = dot_span(4.75, 10.0, 300)
    assert (span.start, span.end) == (57, 174)


def test_the_largest_whole_dot_module_is_chosen_with_quiet_zones() -> None:
    # 123 modules of bars + 2 × 10 of quiet zone = 143
    assert (
        place_barcode(123, DotSpan(100, 529), min_module_dots=2, max_module_dots=9).module_dots == 3
    )
    tight = place_barcode(123, DotSpan(100, 528), min_module_dots=2, max_module_dots=9)
    assert tight.module_dots == 2
    assert tight.first_bar_dot == 100 + (428 - 286) // 2 + 20
    assert (
        place_barcode(123, DotSpan(0, 2000), min_module_dots=2, max_module_dots=4).module_dots == 4
    )
    with pytest.raises(ValueError, match="does not fit"):
        place_barcode(123, DotSpan(0, 285), min_module_dots=2, max_module_dots=4)
