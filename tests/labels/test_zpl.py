"""ZPL for the Zebra stock, parsed back into commands and checked one by one."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from collecte.labels.layout import dot_span
from collecte.labels.render import LabelContent, render_labels
from collecte.labels.stocks import get_stock
from collecte.labels.zpl import escape_field_data
from tests.labels.helpers import make_label, random_codes

ZEBRA = get_stock("zebra-2x1-203")
Command = tuple[str, str]


def parse(zpl: str) -> list[list[Command]]:
    """ZPL text as label formats, each a list of (command, arguments); nothing else allowed."""
    head, *parts = re.split(r"(?=[\^~])", zpl)
    assert head.strip() == ""
    commands = [(part[:3], part[3:].rstrip("\n")) for part in parts]
    formats: list[list[Command]] = []
    for command in commands:
        if command[0] == "^XA":
            formats.append([])
        else:
            assert formats, f"{command} outside ^XA … ^XZ"
        formats[-1].append(command)
    for commands_of_label in formats:
        assert commands_of_label[-1] == ("^XZ", "")
        assert [name for name, _ in commands_of_label].count("^XZ") == 1
    return formats


def unescape(data: str) -> str:
    return re.sub(r"_([0-9A-F]{2})", lambda match: chr(int(match.group(1), 16)), data)


def field_texts(commands: list[Command]) -> list[str]:
    """The text of every ^FD that ^FH marks as hex-escaped."""
    return [
        unescape(args)
        for (name, args), (previous, _) in zip(commands[1:], commands, strict=False)
        if name == "^FD" and previous == "^FH"
    ]


def render(
    labels: list[LabelContent], *, skip: int = 0, on_progress: Callable[[int], None] | None = None
) -> str:
    return render_labels(ZEBRA, labels, skip=skip, on_progress=on_progress).decode("utf-8")


def test_one_format_per_label_sized_for_2x1_inch_at_203_dpi() -> None:
    codes = random_codes(3, seed=6)
    formats = parse(render([make_label(code) for code in codes]))
    assert len(formats) == 3
    for commands in formats:
        assert commands[:5] == [
            ("^XA", ""),
            ("^CI", "28"),
            ("^PW", "406"),
            ("^LL", "203"),
            ("^LH", "0,0"),
        ]


def test_code_128_with_a_whole_dot_module_and_quiet_zones() -> None:
    codes = random_codes(5, seed=8)
    box = ZEBRA.barcode.box
    across = dot_span(box.x_mm, box.width_mm, ZEBRA.dpi)
    for commands, code in zip(parse(render([make_label(c) for c in codes])), codes, strict=True):
        names = [name for name, _ in commands]
        at = names.index("^BC")
        (fo, origin), (by, module_args), (bc, bc_args), (fd, data), (fs, _) = commands[
            at - 2 : at + 3
        ]
        assert (fo, by, bc, fd, fs) == ("^FO", "^BY", "^BC", "^FD", "^FS")
        module_text, _ratio, height = module_args.split(",")
        module = int(module_text)  # whole dots, by construction of the format
        assert bc_args == f"N,{height},N,N,N,N"  # no interpretation line, no UCC check digit
        assert data == f">:{code}"  # subset B from the start, so the width is known exactly
        x, _y = map(int, origin.split(","))
        bars = 11 * (len(code) + 2) + 13
        assert module >= 2
        assert x - 10 * module >= across.start
        assert x + (bars + 10) * module <= across.end
        assert (module + 1) * (bars + 20) > across.size or module == ZEBRA.barcode.max_module_dots


def test_text_fields_are_hex_escaped_and_say_what_is_printed() -> None:
    zpl = render([make_label("7K3QXMT5")])
    (commands,) = parse(zpl)
    texts = field_texts(commands)
    for expected in (
        "Collecte Lyon",
        "7K3Q XMT5",
        "S/N PF000000",
        "Entrée 22/11/2026",
        "Données effacées",
        "Grade B",
    ):
        assert expected in texts
    assert "Ordinateur portable · Lenovo ThinkPad T480" in texts
    assert "Données effacées".encode() in zpl.encode("utf-8")  # UTF-8, as ^CI28 announces
    for name, args in commands:
        if name == "^FO":
            x, y = map(int, args.split(","))
            assert 0 <= x < 406
            assert 0 <= y < 203


def test_a_serial_cannot_inject_zpl_commands() -> None:
    hostile = make_label("7K3QXMT5", serial="X^XZ^XA~JR^FD_1\\&", brand="~DGR:EVIL.GRF")
    (plain,) = parse(render([make_label("7K3QXMT5", serial="X", brand="B")]))
    (commands,) = parse(render([hostile]))
    assert [name for name, _ in commands] == [name for name, _ in plain]
    assert not any(name.startswith("~") for name, _ in commands)
    texts = field_texts(commands)
    assert "S/N X^XZ^XA~JR^FD_1\\&" in texts
    assert any(text.startswith("Ordinateur portable · ~DGR:EVIL.GRF") for text in texts)


def test_escape_field_data() -> None:
    assert escape_field_data("a^b~c_d\\e\nf é") == "a_5Eb_7Ec_5Fd_5Ce_0Af é"


def test_progress_is_reported_per_label_and_skip_is_refused() -> None:
    seen: list[int] = []
    labels = [make_label(code) for code in random_codes(3, seed=10)]
    render(labels, on_progress=seen.append)
    assert seen == [1, 2, 3]
    with pytest.raises(ValueError, match="skip"):
        render(labels, skip=1)
