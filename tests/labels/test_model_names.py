"""A model name that fits at a smaller size is drawn whole, not cut (issue 12: "ThinkPad T14
Ge…" on the 62 × 29 mm label), and the label still scans as printed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from collecte.labels.layout import fit_text
from collecte.labels.render import PT_PER_MM, render_labels
from collecte.labels.stocks import get_stock
from tests.labels.helpers import decode, make_label, pdf_text, rasterise

CODE = "7K3QXMT5"
T14 = {"category": "Ordinateur portable", "brand": "Lenovo", "model": "ThinkPad T14 Gen 3"}


def test_text_that_fits_exactly_at_a_smaller_size_is_not_cut() -> None:
    # The description box of a DK-11209; the size that fits is width / unit width, which in
    # floating point came back a hair too wide, and the text was then cut with an ellipsis.
    text = "Ordinateur portable · Lenovo ThinkPad T14 Gen 3"
    fitted = fit_text(text, "Helvetica", 7, 5, 41.5 * PT_PER_MM, 2.7 * PT_PER_MM)
    assert fitted.text == text
    assert 5 <= fitted.size_pt < 7
    assert fitted.width_pt <= 41.5 * PT_PER_MM


@pytest.mark.parametrize("stock_id", ["brother-dk11209", "brother-dk11201"])
def test_the_full_model_name_is_drawn_and_the_label_scans(stock_id: str) -> None:
    stock = get_stock(stock_id)
    pdf = render_labels(stock, [make_label(CODE, **T14)])
    text = pdf_text(pdf)
    assert "Lenovo ThinkPad T14 Gen 3" in text
    assert "…" not in text
    (page,) = rasterise(pdf, stock.dpi)
    assert decode(page) == [CODE]


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="poppler-utils and zbar-tools are not installed",
)
def test_an_ordinary_reader_decodes_it_rasterised_by_poppler(tmp_path: Path) -> None:
    """As printed: rasterised by another engine (poppler) at the printer's 300 dpi, read by
    another decoder (zbar)."""
    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(render_labels(get_stock("brother-dk11209"), [make_label(CODE, **T14)]))
    subprocess.run(  # noqa: S603 (fixed arguments, a file of this test)
        ["pdftoppm", "-r", "300", "-gray", "-png", str(pdf), str(tmp_path / "page")],  # noqa: S607
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("page*.png")
    read = subprocess.run(  # noqa: S603
        ["zbarimg", "--quiet", str(png)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert f"CODE-128:{CODE}" in read.stdout.split(), read.stdout
