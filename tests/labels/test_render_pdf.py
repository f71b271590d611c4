"""PDF labels, checked as printed: rasterised at the printer's dpi, decoded, and read back."""

from __future__ import annotations

import dataclasses
import io
from itertools import groupby

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from collecte.labels.code128 import encode
from collecte.labels.layout import dot_span
from collecte.labels.render import LabelContent, format_code, media_type, render_labels
from collecte.labels.stocks import Box, LabelStock, QrArea, get_stock, load_stocks
from tests.labels.helpers import (
    decode,
    has_ink,
    label_image,
    label_origin_mm,
    make_label,
    pdf_text,
    random_codes,
    rasterise,
)

PDF_STOCKS = sorted(stock.id for stock in load_stocks().values() if stock.kind == "pdf")
ROLL_STOCKS = [stock_id for stock_id in PDF_STOCKS if get_stock(stock_id).per_page == 1]
AVERY = "avery-l7651"


@pytest.fixture(scope="module")
def full_sheet() -> tuple[list[str], bytes, list[Image.Image]]:
    codes = random_codes(65, seed=1)
    pdf = render_labels(get_stock(AVERY), [make_label(code, i) for i, code in enumerate(codes)])
    return codes, pdf, rasterise(pdf, get_stock(AVERY).dpi)


def _barcode_row(stock: LabelStock, page: Image.Image, slot: int) -> tuple[list[int], int]:
    """Pixels across the barcode box, halfway down it, and the box's width in dots."""
    x_mm, y_mm = label_origin_mm(stock, slot)
    box = stock.barcode.box
    across = dot_span(x_mm + box.x_mm, box.width_mm, stock.dpi)
    down = dot_span(y_mm + box.y_mm, box.height_mm, stock.dpi)
    y = (down.start + down.end) // 2
    return list(page.crop((across.start, y, across.end, y + 1)).tobytes()), across.size


def _assert_crisp_symbol(stock: LabelStock, page: Image.Image, slot: int, code: str) -> None:
    """The printed row is exactly the symbol: whole-dot modules, quiet zones, no grey."""
    pixels, box_dots = _barcode_row(stock, page, slot)
    # Bars on whole dots rasterise to black and white; an edge off the dot grid by a tenth of a
    # dot comes out 10 % grey. (pdfium's single-precision maths leaves 1/255 at some edges.)
    grey = [value for value in pixels if 2 < value < 253]
    assert grey == [], f"grey pixels in the barcode of slot {slot}"
    row = [0 if value < 128 else 255 for value in pixels]
    first = row.index(0)
    last = len(row) - 1 - row[::-1].index(0)
    runs = [len(list(group)) for _value, group in groupby(row[first : last + 1])]
    module = runs[0] // 2  # every Code 128 symbol starts with a 2-module bar
    symbol = encode(code)
    expected: list[int] = []
    for (start, width), following in zip(symbol.bars, [*symbol.bars[1:], None], strict=True):
        expected.append(width * module)
        if following is not None:
            expected.append((following[0] - start - width) * module)
    assert runs == expected
    assert module >= 2
    # quiet zones of 10 modules inside the box, on both sides
    assert first >= 10 * module
    assert len(row) - 1 - last >= 10 * module
    # The largest whole-dot module that fits: one more dot per module would not.
    total = symbol.modules + 20
    assert module == stock.barcode.max_module_dots or (module + 1) * total > box_dots


@pytest.mark.parametrize("stock_id", ROLL_STOCKS)
def test_every_roll_label_decodes_as_printed(stock_id: str) -> None:
    stock = get_stock(stock_id)
    codes = random_codes(4, seed=len(stock_id))
    labels = [make_label(code, i) for i, code in enumerate(codes)]
    pages = rasterise(render_labels(stock, labels), stock.dpi)
    assert [decode(page) for page in pages] == [[code] for code in codes]
    assert [decode(page, zxingcpp.BarcodeFormat.QRCode) for page in pages] == [
        [label.url] for label in labels
    ]
    for page, code in zip(pages, codes, strict=True):
        _assert_crisp_symbol(stock, page, 0, code)


@pytest.mark.parametrize("stock_id", PDF_STOCKS)
def test_quiet_zones_are_kept_when_larger_modules_are_allowed(stock_id: str) -> None:
    # With no cap on the module, the symbol grows until only its quiet zones stop it.
    stock = get_stock(stock_id)
    stock = dataclasses.replace(
        stock, barcode=dataclasses.replace(stock.barcode, max_module_dots=20)
    )
    codes = random_codes(2, seed=9)
    pages = rasterise(render_labels(stock, [make_label(c, url=None) for c in codes]), stock.dpi)
    for slot, code in enumerate(codes):
        page = pages[0] if stock.per_page > 1 else pages[slot]
        _assert_crisp_symbol(stock, page, slot if stock.per_page > 1 else 0, code)


def test_a_full_avery_sheet_decodes_label_by_label(
    full_sheet: tuple[list[str], bytes, list[Image.Image]],
) -> None:
    codes, _pdf, pages = full_sheet
    stock = get_stock(AVERY)
    assert len(pages) == 1
    assert sorted(decode(pages[0])) == sorted(codes)
    for slot, code in enumerate(codes):
        assert decode(label_image(stock, pages[0], slot)) == [code]
        _assert_crisp_symbol(stock, pages[0], slot, code)
    qr_texts = decode(pages[0], zxingcpp.BarcodeFormat.QRCode)
    assert sorted(qr_texts) == sorted(f"https://collecte.example.org/d/{code}" for code in codes)


def test_skip_leaves_the_used_labels_of_the_first_sheet_blank() -> None:
    stock = get_stock(AVERY)
    codes = random_codes(65, seed=2)
    labels = [make_label(code, i, url=None) for i, code in enumerate(codes)]
    pdf = render_labels(stock, labels, skip=7)
    first, second = rasterise(pdf, stock.dpi)
    for slot in range(65):
        cell = label_image(stock, first, slot)
        if slot < 7:
            assert not has_ink(cell), f"used label {slot} was printed on"
        else:
            assert decode(cell) == [codes[slot - 7]]
    for slot in range(65):
        cell = label_image(stock, second, slot)
        assert decode(cell) == ([codes[58 + slot]] if slot < 7 else [])
        assert has_ink(cell) == (slot < 7)
    assert sorted(decode(first) + decode(second)) == sorted(codes)


def test_drawn_as_vectors_without_images(
    full_sheet: tuple[list[str], bytes, list[Image.Image]],
) -> None:
    _codes, pdf, _pages = full_sheet
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page["/Resources"]
        assert isinstance(resources, DictionaryObject)
        xobjects = resources.get("/XObject")
        images = (
            []
            if xobjects is None
            else [
                x for x in xobjects.get_object().values() if x.get_object()["/Subtype"] == "/Image"
            ]
        )
        assert images == []
        contents = page.get_contents()
        assert contents is not None
        assert contents.get_data().count(b" re") > 65 * 20  # bars are rectangles


def test_text_and_metadata_say_what_is_printed(
    full_sheet: tuple[list[str], bytes, list[Image.Image]],
) -> None:
    codes, pdf, _pages = full_sheet
    text = pdf_text(pdf)
    for index, code in enumerate(codes):
        assert format_code(code) in text
        assert f"S/N PF{index:06d}" in text
    for expected in (
        "Collecte Lyon",
        "Ordinateur portable",
        "Lenovo",
        "22/11/2026",
        "Grade B",
        "Données effacées",
    ):
        assert expected in text
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert metadata.title == "Device labels: 65 on Avery L7651 — A4, 65 labels 38.1 × 21.2 mm"
    assert metadata.subject == "Device labels: 65 labels, stock avery-l7651"


def test_french_text_and_an_ungraded_label() -> None:
    stock = get_stock("brother-dk11201")
    label = make_label(
        "7K3QXMT5", category="Unité centrale", brand="Société Générale", grade=None, erased=False
    )
    text = pdf_text(render_labels(stock, [label]))
    assert "7K3Q XMT5" in text
    assert "Unité centrale · Société Générale ThinkPad T480" in text
    assert "Entrée 22/11/2026" in text
    assert "Grade" not in text
    assert "effacées" not in text


LONG: dict[str, object] = {
    "programme": "Programme de réemploi informatique de la Métropole de Lyon " * 3,
    "category": "Ordinateur portable reconditionné " * 5,
    "brand": "Hewlett-Packard Enterprise " * 3,
    "model": "EliteBook 840 G5 Healthcare Edition " * 3,
    "serial": "W" * 120,
    "grade": "X" * 40,
    "erased": True,
}


@pytest.mark.parametrize(
    ("stock_id", "field"),
    [(stock_id, text.name) for stock_id in PDF_STOCKS for text in get_stock(stock_id).texts],
)
def test_long_text_stays_inside_its_box(stock_id: str, field: str) -> None:
    # Only this field and the barcode are drawn: any ink outside their boxes is an overflow.
    full = get_stock(stock_id)
    stock = dataclasses.replace(
        full, texts=tuple(t for t in full.texts if t.name == field), qr=None
    )
    (page,) = rasterise(render_labels(stock, [make_label("7K3QXMT5", **LONG)]), stock.dpi)
    assert decode(page) == ["7K3QXMT5"]
    x_mm, y_mm = label_origin_mm(stock, 0)
    painter = ImageDraw.Draw(page)
    for box in (stock.texts[0].box, stock.barcode.box):
        across = dot_span(x_mm + box.x_mm, box.width_mm, stock.dpi)
        down = dot_span(y_mm + box.y_mm, box.height_mm, stock.dpi)
        # one dot of slack for anti-aliased glyph edges on the box's border
        painter.rectangle((across.start - 1, down.start - 1, across.end, down.end), fill=255)
    assert not has_ink(page), f"{field} draws outside its box"


def test_long_values_are_cut_with_an_ellipsis() -> None:
    text = pdf_text(render_labels(get_stock(AVERY), [make_label("7K3QXMT5", **LONG)]))
    assert "S/N WWW" in text
    assert "W…" in text
    assert "Ordinateur portable reconditionné" in text


def test_qr_is_left_out_where_the_layout_has_no_room() -> None:
    full = get_stock("brother-dk11209")
    assert full.qr is not None
    cramped = dataclasses.replace(full, qr=QrArea(Box(44.5, 3.0, 5.0, 5.0), 4, 2, "M"))
    for stock, label in [
        (cramped, make_label("7K3QXMT5")),
        (full, make_label("7K3QXMT5", url=None)),
    ]:
        (page,) = rasterise(render_labels(stock, [label]), stock.dpi)
        assert decode(page, zxingcpp.BarcodeFormat.QRCode) == []
        assert decode(page) == ["7K3QXMT5"]


@pytest.mark.parametrize(("stock_id", "skip"), [(AVERY, -1), (AVERY, 65), ("brother-dk11209", 1)])
def test_skip_must_be_within_one_sheet(stock_id: str, skip: int) -> None:
    with pytest.raises(ValueError, match="skip"):
        render_labels(get_stock(stock_id), [make_label("7K3QXMT5")], skip=skip)


@pytest.mark.parametrize("labels", [[], [make_label("7K3QXMT")], [make_label("7K3Q XMT5")]])
def test_refuses_no_labels_or_a_malformed_code(labels: list[LabelContent]) -> None:
    with pytest.raises(ValueError, match=r"labels|device code"):
        render_labels(get_stock(AVERY), labels)


def test_progress_is_reported_at_least_once_per_page() -> None:
    codes = random_codes(70, seed=4)
    seen: list[int] = []
    labels = [make_label(code, url=None) for code in codes]
    render_labels(get_stock(AVERY), labels, skip=3, on_progress=seen.append)
    assert seen == [62, 70]
    seen.clear()
    render_labels(get_stock("brother-dk11209"), labels[:3], on_progress=seen.append)
    assert seen == [1, 2, 3]


def test_same_labels_give_the_same_bytes() -> None:
    labels = [make_label(code) for code in random_codes(3, seed=5)]
    stock = get_stock("brother-dk11209")
    assert render_labels(stock, labels) == render_labels(stock, labels)


def test_media_types() -> None:
    assert media_type(get_stock(AVERY)) == "application/pdf"
    assert media_type(get_stock("zebra-2x1-203")) == "text/plain; charset=utf-8"
