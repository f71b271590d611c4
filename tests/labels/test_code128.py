"""Code 128: our table against an independent one, optimal subsets, and every symbol decodes."""

from __future__ import annotations

import barcode.charsets.code128 as reference
import pytest
from PIL import Image, ImageDraw

from collecte.labels.code128 import (
    PATTERNS,
    QUIET_MODULES,
    START_B,
    START_C,
    STOP,
    Code128Symbol,
    bars_of,
    encode,
    worst_case_modules,
)
from tests.labels.helpers import decode, random_codes


def _as_bits(pattern: str) -> str:
    return "".join(
        ("1" if index % 2 == 0 else "0") * int(width) for index, width in enumerate(pattern)
    )


def _image(symbol: Code128Symbol, module_px: int = 3, height: int = 60) -> Image.Image:
    width = symbol.modules_with_quiet_zones * module_px
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for start, bar in symbol.bars:
        left = (QUIET_MODULES + start) * module_px
        draw.rectangle((left, 0, left + bar * module_px - 1, height - 1), fill=0)
    return image


def test_patterns_match_python_barcode_table() -> None:
    assert [_as_bits(pattern) for pattern in PATTERNS[:STOP]] == list(reference.CODES)
    # python-barcode keeps the stop without its final 2-module termination bar
    assert _as_bits(PATTERNS[STOP]) == reference.STOP + "11"


def test_every_pattern_has_three_bars_in_eleven_modules() -> None:
    for pattern in PATTERNS[:STOP]:
        assert len(pattern) == 6
        assert sum(map(int, pattern)) == 11
    assert sum(map(int, PATTERNS[STOP])) == 13


@pytest.mark.parametrize(
    ("text", "start", "length"),
    [
        ("7K3QXMT5", START_B, 8),  # letters and lone digits: all subset B
        ("12345678", START_C, 4),  # all digits: four pairs in subset C
        ("AB123456", START_B, 6),  # A, B, switch to C, three pairs
        ("1234ABCD", START_C, 7),  # two pairs, switch to B, four letters
        ("A1234B56", START_B, 8),  # switching for two pairs saves nothing: stays in B
    ],
)
def test_subsets_are_chosen_for_the_shortest_symbol(text: str, start: int, length: int) -> None:
    symbol = encode(text)
    assert symbol.values[0] == start
    assert len(symbol.values) - 3 == length  # without start, check and stop
    assert symbol.modules == 11 * (len(symbol.values) - 1) + 13
    assert decode(_image(symbol)) == [text]


def test_worst_case_is_an_all_subset_b_symbol() -> None:
    assert worst_case_modules(8) == 143
    assert encode("ABCDEFGH").modules_with_quiet_zones == 143


def test_random_device_codes_decode() -> None:
    for code in random_codes(150, seed=11):
        assert decode(_image(encode(code), module_px=2)) == [code]


def test_check_value_is_the_weighted_sum_modulo_103() -> None:
    symbol = encode("7K3QXMT5")
    *data, check, stop = symbol.values
    assert stop == STOP
    assert check == (data[0] + sum(i * v for i, v in enumerate(data[1:], 1))) % 103
    # A reader refuses a wrong check value, so the decoding tests above do check ours.
    wrong = [*data, (check + 1) % 103, stop]
    bars, modules = bars_of(wrong)
    assert decode(_image(Code128Symbol(symbol.text, tuple(wrong), bars, modules))) == []


@pytest.mark.parametrize("text", ["", "é", "x" * 81])
def test_unencodable_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="Code 128"):
        encode(text)
