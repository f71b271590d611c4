"""Emails as Jinja2 text templates (``collecte/templates/emails/<name>.txt``), in the reader's language.

A template has two blocks, ``subject`` and ``body``, worded through the gettext catalogues like
the pages. Dates are read in the workshops' zone (Europe/Paris) and numbers are written the
language's way by Babel ("6,2" in French).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader

from collecte.core import i18n
from collecte.core.forms import LOCAL_ZONE
from collecte.core.vocabulary import label
from collecte.core.web import TEMPLATES_DIR

# How a day is written, by language ("long" is Babel's: "December 1, 2026").
DAY_FORMATS = {"fr": "dd/MM/yyyy"}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "emails"),
        autoescape=False,  # plain text: nothing is read as HTML  # noqa: S701
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["label"] = label
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def number(value: float | int, language: str) -> str:
    """A number the language's way: 6.2 is "6,2" in French."""
    return format_decimal(value, locale=language)


def day(value: dt.date | dt.datetime, language: str) -> str:
    """A day as the reader writes it (a stored UTC time is read in the workshops' zone)."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(LOCAL_ZONE).date()
    return format_date(value, format=DAY_FORMATS.get(language, "long"), locale=language)


def render_email(name: str, language: str, **context: Any) -> tuple[str, str]:
    """The subject and body of ``emails/<name>.txt`` in ``language``."""
    template = _environment().get_template(f"{name}.txt")
    token = i18n.current_language.set(language)
    try:
        values = template.new_context({"language": language, **context})
        subject = "".join(template.blocks["subject"](values)).strip()
        body = "".join(template.blocks["body"](values)).strip() + "\n"
    finally:
        i18n.current_language.reset(token)
    return subject, body
