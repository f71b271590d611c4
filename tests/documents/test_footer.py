"""Every page's footer says who issued the document whole, however long its legal name and
address: smaller type, else two lines, never cut (it was cut at 150 characters)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from collecte.core.pdf import Stamp, build_pdf, paragraph


@pytest.mark.parametrize("repeat", [1, 3])
def test_the_issuer_is_printed_whole_in_the_footer(repeat: int) -> None:
    issuer = (
        " ".join(
            ["Atelier Solidaire de la Vallée de la Seine SCIC SAS, 12 rue des Ateliers"] * repeat
        )
        + ", 93100 Montreuil, SIRET 85234567800019"
    )
    pdf = build_pdf(
        programme="Collecte",
        title="Certificat",
        covers="un appareil",
        issuer=issuer,
        stamp=Stamp(
            "N45P5AX03QFD", 2, dt.datetime(2026, 12, 8, 0, 39, tzinfo=dt.UTC), "http://x/verify"
        ),
        body=[paragraph("corps")],
    )
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "SIRET 85234567800019, version 2" in text
