"""Shared tools for the label tests: realistic contents, rasterising, decoding, finding ink."""

from __future__ import annotations

import datetime
import io
import math
import random

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from collecte.labels.layout import LabelContent
from collecte.labels.stocks import MM_PER_INCH, Box, LabelStock

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
INTAKE_ON = datetime.date(2026, 11, 22)


def random_codes(count: int, seed: int = 7) -> list[str]:
    """Distinct 8-character device codes from the Crockford alphabet."""
    rng = random.Random(seed)
    codes: dict[str, None] = {}
    while len(codes) < count:
        codes["".join(rng.choice(ALPHABET) for _ in range(8))] = None
    return list(codes)


def make_label(code: str, index: int = 0, /, **changes: object) -> LabelContent:
    """A realistic graded, erased label with a device page URL."""
    values: dict[str, object] = {
        "code": code,
        "programme": "Collecte Lyon",
        "category": "Ordinateur portable",
        "brand": "Lenovo",
        "model": "ThinkPad T480",
        "serial": f"PF{index:06d}",
        "intake_on": INTAKE_ON,
        "grade": "B",
        "erased": True,
        "url": f"https://collecte.example.org/d/{code}",
    }
    values.update(changes)
    return LabelContent(**values)  # type: ignore[arg-type]


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page as a greyscale image at exactly dpi, as a printer lays down its dots."""
    # PdfPage.render stretches the page to a whole number of pixels (A4 is 2480.3 dots wide at
    # 300 dpi, so by 0.7 dot across the page); a printer does not, so render with an exact matrix.
    scale = dpi / 72
    document = pdfium.PdfDocument(pdf)
    images: list[Image.Image] = []
    try:
        for page in document:
            width = math.ceil(page.get_width() * scale)
            height = math.ceil(page.get_height() * scale)
            bitmap = pdfium.PdfBitmap.new_native(width, height, pdfium_c.FPDFBitmap_BGR)
            bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, height)
            pdfium_c.FPDF_RenderPageBitmapWithMatrix(
                bitmap,
                page,
                pdfium_c.FS_MATRIX(scale, 0, 0, scale, 0, 0),
                pdfium_c.FS_RECTF(0, 0, width, height),
                0,
            )
            images.append(bitmap.to_pil().convert("L"))
    finally:
        document.close()
    return images


def decode(image: Image.Image, formats: zxingcpp.BarcodeFormat | None = None) -> list[str]:
    """The texts of the barcodes found in image, Code 128 only unless told otherwise."""
    wanted = zxingcpp.BarcodeFormat.Code128 if formats is None else formats
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(wanted))
    return [result.text for result in found]


def dots(mm: float, dpi: int) -> int:
    return round(mm * dpi / MM_PER_INCH)


def label_origin_mm(stock: LabelStock, slot: int) -> tuple[float, float]:
    row, column = divmod(slot, stock.columns)
    return (
        stock.margin_left_mm + column * stock.pitch_x_mm,
        stock.margin_top_mm + row * stock.pitch_y_mm,
    )


def crop_mm(image: Image.Image, dpi: int, x_mm: float, y_mm: float, box: Box) -> Image.Image:
    """The part of a page image covered by box, placed at (x_mm, y_mm) on the page."""
    return image.crop(
        (
            dots(x_mm + box.x_mm, dpi),
            dots(y_mm + box.y_mm, dpi),
            dots(x_mm + box.right_mm, dpi),
            dots(y_mm + box.bottom_mm, dpi),
        )
    )


def label_image(stock: LabelStock, page: Image.Image, slot: int) -> Image.Image:
    """One label's area cut out of a rasterised page."""
    x_mm, y_mm = label_origin_mm(stock, slot)
    return crop_mm(
        page, stock.dpi, x_mm, y_mm, Box(0, 0, stock.label_width_mm, stock.label_height_mm)
    )


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def has_ink(image: Image.Image, threshold: int = 250) -> bool:
    """Whether any pixel is darker than paper (anti-aliased edges included)."""
    low = image.convert("L").getextrema()[0]
    assert isinstance(low, int | float)
    return low < threshold
