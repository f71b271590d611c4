"""Every message the pages and code mark for translation has a French translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHOD_MAP = [
    ("collecte/**.py", "python"),
    ("collecte/templates/**.html", "jinja2"),
    ("collecte/templates/emails/**.txt", "jinja2"),
]
OPTIONS = {
    "collecte/templates/**.html": {"extensions": "jinja2.ext.i18n"},
    "collecte/templates/emails/**.txt": {"extensions": "jinja2.ext.i18n", "trimmed": "true"},
}


def _marked_messages() -> set[str]:
    found = extract_from_dir(
        str(ROOT),
        METHOD_MAP,
        options_map=OPTIONS,
        keywords={"_": None, "N_": None, "gettext": None},
    )
    return {
        message if isinstance(message, str) else message[0] for _file, _line, message, *_ in found
    }


def test_every_marked_message_is_translated_into_french() -> None:
    with (ROOT / "collecte/locale/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    messages = _marked_messages()
    assert len(messages) > 30
    missing = sorted(messages - translated)
    assert not missing, f"untranslated into French: {missing} (run `make messages`, then translate)"
