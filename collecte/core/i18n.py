"""Gettext catalogues (``collecte/locale/<lang>/LC_MESSAGES/messages.po``) and the current language.

The ``.po`` files are compiled in memory when first used, so there is no build step and no
compiled file to keep in sync. The language of the text being rendered is a context variable,
set per request by the page renderer.
"""

from __future__ import annotations

import gettext as gettext_module
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from collecte.config import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

current_language: ContextVar[str] = ContextVar("current_language", default="fr")
# The Babel locale each language formats numbers and dates in.
LOCALES = {"fr": "fr_FR", "en": "en_GB"}


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext_module.NullTranslations:
    """The compiled catalogue for a language (an identity catalogue if it has none)."""
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext_module.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def gettext(message: str) -> str:
    """Translate into the current language."""
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a count-dependent message into the current language."""
    return translations(current_language.get()).ngettext(singular, plural, n)


def pick_language(cookie_value: str | None, default: str) -> str:
    """The language a visitor chose, or the configured default."""
    return cookie_value if cookie_value in LANGUAGES else default


def locale() -> str:
    """The Babel locale of the current language."""
    return LOCALES.get(current_language.get(), "fr_FR")


def number(value: float, digits: int = 1) -> str:
    """A figure in the reader's locale, with at most ``digits`` decimals (``1 234,5`` in French)."""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale())
