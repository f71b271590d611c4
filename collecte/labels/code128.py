"""Code 128 symbols (subsets B and C), as bars in module units, ready to draw at any module width."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

# Bar/space widths of each symbol value, in modules (bar first). Values 0–102 are data and shift
# codes, 103–105 the start codes A/B/C, 106 the stop pattern with its 2-module termination bar.
PATTERNS: tuple[str, ...] = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)  # fmt: skip

CODE_C = 99  # switch to subset C (in subset B)
CODE_B = 100  # switch to subset B (in subset C)
START_B = 104
START_C = 105
STOP = 106
QUIET_MODULES = 10  # each side, as DESIGN.md asks (ISO/IEC 15417 requires at least 10)
MAX_SYMBOL_LENGTH = 80  # labels carry 8 characters; the bound only keeps the search small


@dataclass(frozen=True)
class Code128Symbol:
    """One encoded symbol: its values (start … check, stop) and its bars, quiet zones excluded."""

    text: str
    values: tuple[int, ...]
    bars: tuple[tuple[int, int], ...]  # (first module, width in modules) of each dark bar
    modules: int  # width from the first bar to the end of the termination bar

    @property
    def modules_with_quiet_zones(self) -> int:
        """Width in modules including both quiet zones."""
        return self.modules + 2 * QUIET_MODULES


def _b_value(char: str) -> int:
    value = ord(char) - 32
    if not 0 <= value <= 95:
        raise ValueError(f"{char!r} cannot be encoded in Code 128 subset B")
    return value


def _data_values(text: str) -> list[int]:
    """The shortest value sequence for text (start code first), switching between B and C."""
    # best(i, subset) = shortest values encoding text[i:] when subset is active. Subset C packs two
    # digits per symbol, so the choice matters only on digit runs; a small exhaustive search is both
    # simpler and surely optimal, unlike the usual "four digits or more" rule of thumb.

    @cache
    def best(i: int, subset: str) -> tuple[int, ...]:
        if i == len(text):
            return ()
        pair = text[i : i + 2]
        # Each option consumes input, so the search always terminates: a switch is followed at
        # once by a character in the new subset.
        in_b = (_b_value(text[i]), *best(i + 1, "B"))
        in_c: tuple[int, ...] | None = None
        if len(pair) == 2 and pair.isdigit() and pair.isascii():
            in_c = (int(pair), *best(i + 2, "C"))
        if subset == "B":
            in_b_here, in_c_here = in_b, None if in_c is None else (CODE_C, *in_c)
        else:
            in_b_here, in_c_here = (CODE_B, *in_b), in_c
        if in_c_here is not None and len(in_c_here) < len(in_b_here):
            return in_c_here
        return in_b_here

    start_b = (START_B, *best(0, "B"))
    start_c = (START_C, *best(0, "C"))
    return list(start_c if len(start_c) < len(start_b) else start_b)


@lru_cache(maxsize=4096)
def encode(text: str) -> Code128Symbol:
    """Encode text (printable ASCII) as a Code 128 symbol; cached, as batches reprint codes."""
    if not text or len(text) > MAX_SYMBOL_LENGTH:
        raise ValueError(f"Code 128 text must have 1 to {MAX_SYMBOL_LENGTH} characters")
    values = _data_values(text)
    check = (values[0] + sum(weight * value for weight, value in enumerate(values[1:], 1))) % 103
    values += [check, STOP]
    bars, modules = bars_of(values)
    return Code128Symbol(text=text, values=tuple(values), bars=bars, modules=modules)


def bars_of(values: Sequence[int]) -> tuple[tuple[tuple[int, int], ...], int]:
    """The dark bars (first module, width) of a value sequence, and its width in modules."""
    bars: list[tuple[int, int]] = []
    position = 0
    for value in values:
        for index, width in enumerate(PATTERNS[value]):
            if index % 2 == 0:  # even positions are bars, odd ones spaces
                bars.append((position, int(width)))
            position += int(width)
    return tuple(bars), position


def worst_case_modules(length: int) -> int:
    """Modules (quiet zones included) of the longest symbol for `length` characters: all subset B."""
    # start + data + check symbols of 11 modules, a 13-module stop, two quiet zones
    return 11 * (length + 2) + 13 + 2 * QUIET_MODULES
