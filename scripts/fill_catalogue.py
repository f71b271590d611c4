"""Merge a {msgid: translation} dict (a Python file defining TRANSLATIONS) into a .po catalogue.

Usage: python scripts/fill_catalogue.py LANG FILE.py
Developers use it after `make messages` to add translations in bulk; the .po stays the source.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "collecte" / "locale"


def main() -> None:
    language, source = sys.argv[1], sys.argv[2]
    translations: dict[str, str | tuple[str, ...]] = runpy.run_path(source)["TRANSLATIONS"]
    po_path = LOCALE / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        # A plural entry is keyed by its singular, its translation a tuple of the forms.
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        if key and key in translations:
            message.string = translations[key]
            message.flags.discard("fuzzy")
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, no_location=True, sort_output=True)


if __name__ == "__main__":
    main()
