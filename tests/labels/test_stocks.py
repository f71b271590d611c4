"""Label stocks are data files: the bundled ones load, fit their barcode, and bad files are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from collecte.labels import stocks as stocks_module
from collecte.labels.code128 import worst_case_modules
from collecte.labels.layout import dot_span, place_barcode
from collecte.labels.render import render_labels
from collecte.labels.stocks import LABELS_DIR, get_stock, load_stocks
from tests.labels.helpers import decode, make_label, pdf_text, random_codes, rasterise

REPO_ROOT = Path(__file__).resolve().parents[2]
DK11209 = (LABELS_DIR / "brother-dk11209.toml").read_text(encoding="utf-8")


def test_labels_dir_is_the_top_level_folder() -> None:
    assert LABELS_DIR == REPO_ROOT / "labels"


def test_bundled_stocks() -> None:
    stocks = load_stocks()
    assert set(stocks) == {"brother-dk11209", "brother-dk11201", "avery-l7651", "zebra-2x1-203"}
    avery = stocks["avery-l7651"]
    assert (avery.kind, avery.dpi, avery.columns, avery.rows, avery.per_page) == (
        "pdf",
        300,
        5,
        13,
        65,
    )
    assert (avery.label_width_mm, avery.label_height_mm) == (38.1, 21.2)
    assert (avery.margin_top_mm, avery.margin_left_mm) == (10.7, 4.75)
    assert (avery.pitch_x_mm, avery.pitch_y_mm) == (40.6, 21.2)
    assert (avery.page_width_mm, avery.page_height_mm) == (210, 297)
    zebra = stocks["zebra-2x1-203"]
    assert (zebra.kind, zebra.dpi, zebra.per_page) == ("zpl", 203, 1)
    for roll in ("brother-dk11209", "brother-dk11201"):
        assert (stocks[roll].kind, stocks[roll].dpi, stocks[roll].per_page) == ("pdf", 300, 1)
    assert (
        stocks["brother-dk11209"].label_width_mm,
        stocks["brother-dk11209"].label_height_mm,
    ) == (62, 29)
    assert stocks["brother-dk11209"].qr is not None
    assert avery.qr is not None


@pytest.mark.parametrize("stock_id", sorted(load_stocks()))
def test_longest_symbol_fits_every_label_at_two_dots_or_more(stock_id: str) -> None:
    stock = get_stock(stock_id)
    longest = worst_case_modules(8) - 20
    for slot in range(stock.per_page):
        column = slot % stock.columns
        left = stock.margin_left_mm + column * stock.pitch_x_mm + stock.barcode.box.x_mm
        placement = place_barcode(
            longest,
            dot_span(left, stock.barcode.box.width_mm, stock.dpi),
            min_module_dots=stock.barcode.min_module_dots,
            max_module_dots=stock.barcode.max_module_dots,
        )
        assert placement.module_dots >= 2


def test_every_stock_prints_the_required_fields() -> None:
    for stock in load_stocks().values():
        printed = {key for text in stock.texts for key in text.keys}
        assert printed == {
            "programme",
            "code",
            "category",
            "brand",
            "model",
            "serial",
            "intake_on",
            "grade",
        }
        assert any(text.when == "erased" and "effacées" in text.template for text in stock.texts)


def test_get_stock_is_cached_and_refuses_unknown_ids() -> None:
    assert get_stock("avery-l7651") is get_stock("avery-l7651")
    with pytest.raises(KeyError, match="no-such-stock"):
        get_stock("no-such-stock")


NEW_ROLL = """
id = "roll-50x30"
name = "Any 50 × 30 mm roll"
kind = "pdf"
dpi = 300
[page]
width_mm = 50
height_mm = 30
[label]
width_mm = 50
height_mm = 30
[grid]
columns = 1
rows = 1
left_mm = 0
top_mm = 0
pitch_x_mm = 50
pitch_y_mm = 30
[barcode]
box = [1.0, 21.0, 48.0, 8.0]
[text.code]
box = [1.0, 1.0, 48.0, 8.0]
template = "{code}"
font = "Helvetica-Bold"
size_pt = 20
min_size_pt = 12
[text.device]
box = [1.0, 10.0, 48.0, 4.0]
template = "{brand} {model} — S/N {serial}"
size_pt = 8
min_size_pt = 5
"""


def test_a_new_stock_needs_only_a_file(tmp_path: Path) -> None:
    (tmp_path / "roll-50x30.toml").write_text(NEW_ROLL, encoding="utf-8")
    stock = load_stocks(tmp_path)["roll-50x30"]
    codes = random_codes(2, seed=3)
    pdf = render_labels(stock, [make_label(code) for code in codes])
    pages = rasterise(pdf, stock.dpi)
    assert [decode(page) for page in pages] == [[code] for code in codes]
    assert "Lenovo ThinkPad T480 — S/N PF000000" in pdf_text(pdf)


def _write(tmp_path: Path, text: str, name: str = "brother-dk11209") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('id = "brother-dk11209"', 'id = "other"', "must match the file name"),
        ('kind = "pdf"', 'kind = "svg"', "kind must be one of pdf, zpl"),
        ("dpi = 300", "dpi = true", "dpi must be a whole number"),
        ("columns = 1", "colums = 1", "missing grid.columns"),
        ("rows = 1", "rows = 1\ncolour = 2", "unknown key grid.colour"),
        (
            "box = [1.5, 20.0, 59.0, 6.0]",
            "box = [1.5, 20.0, 20.0, 6.0]",
            "barcode.box is 234 dots wide",
        ),
        ("box = [1.5, 20.0, 59.0, 6.0]", "box = [1.5, 20.0, 59.0, 3.0]", "at least 5.0 mm high"),
        (
            "box = [1.5, 20.0, 59.0, 6.0]",
            "box = [1.5, 20.0, 59.0]",
            "barcode.box must be [x, y, width, height]",
        ),
        (
            "box = [1.5, 20.0, 59.0, 6.0]",
            "box = [1.5, 21.0, 59.0, 6.0]",
            "barcode.box reaches outside",
        ),
        (
            "box = [1.5, 20.0, 59.0, 6.0]",
            "box = [1.5, 19.0, 59.0, 6.0]",
            "qr.box overlaps barcode.box",
        ),
        ('template = "S/N {serial}"', 'template = "S/N {owner}"', "unknown field {owner}"),
        ('template = "S/N {serial}"', 'template = "S/N {serial!r}"', "unknown field {serial}"),
        ('template = "S/N {serial}"', 'template = "S/N {serial"', "template 'S/N {serial'"),
        (
            'font = "Helvetica-Bold"\nsize_pt = 16',
            'font = "Comic Sans"\nsize_pt = 16',
            "font must be",
        ),
        ("min_size_pt = 10", "min_size_pt = 20", "min_size_pt is larger than size_pt"),
        (
            "box = [1.5, 14.3, 41.5, 2.7]",
            "box = [1.5, 14.3, 41.5, 1.0]",
            "too low for text of 5.0 pt",
        ),
        ('when = "erased"', 'when = "erased"\n[extra]\nx = 1', "unknown key extra"),
        ("left_mm = 0", "left_mm = 5", "does not fit on the page"),
        (
            "safe_margin_x_mm = 1.5",
            "safe_margin_x_mm = 2.0",
            "reaches outside the label's safe area",
        ),
        ("[page]", "[page\n", "not valid TOML"),
    ],
)
def test_a_malformed_stock_names_the_file_and_the_problem(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in DK11209
    _write(tmp_path, DK11209.replace(old, new, 1))
    with pytest.raises(ValueError, match=r"brother-dk11209\.toml") as error:
        load_stocks(tmp_path)
    assert problem in str(error.value)


def test_sheet_geometry_is_checked(tmp_path: Path) -> None:
    avery = (LABELS_DIR / "avery-l7651.toml").read_text(encoding="utf-8")
    _write(tmp_path, avery.replace("pitch_x_mm = 40.6", "pitch_x_mm = 30.0"), "avery-l7651")
    with pytest.raises(ValueError, match=r"avery-l7651\.toml: grid\.pitch_x_mm is smaller"):
        load_stocks(tmp_path)


def test_a_zpl_stock_has_no_qr_area(tmp_path: Path) -> None:
    zebra = (LABELS_DIR / "zebra-2x1-203.toml").read_text(encoding="utf-8")
    _write(tmp_path, zebra + "\n[qr]\nbox = [40.0, 3.8, 9.0, 9.0]\n", "zebra-2x1-203")
    with pytest.raises(ValueError, match=r"zebra-2x1-203\.toml: a zpl stock is a roll"):
        load_stocks(tmp_path)


def test_bundled_stocks_are_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    get_stock("brother-dk11209")  # fill the cache

    def fail(directory: Path = LABELS_DIR) -> dict[str, object]:
        raise AssertionError("loaded again")

    monkeypatch.setattr(stocks_module, "load_stocks", fail)
    assert get_stock("zebra-2x1-203").id == "zebra-2x1-203"
