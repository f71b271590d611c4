"""Small real images for the logo tests, made with Pillow (no file in the repository)."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 110, 79)).save(buffer, format=kind)
    return buffer.getvalue()
