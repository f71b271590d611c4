"""Finding devices by a piece of their serial, brand or model, through an index on both databases.

The rule is one expression, ``text_match(text)``: the devices whose serial, brand or model contains
the text, whatever its case. SQLAlchemy compiles it for the database at hand, because each reaches
its index its own way (migration 0019 builds both):

- PostgreSQL: ``ILIKE '%…%'`` on each column, served by a ``pg_trgm`` GIN index per column (a
  bitmap OR of the three), so that a search costs what it finds, not what the table holds;
- SQLite: the FTS5 table ``devices_search`` with the trigram tokenizer, kept by triggers, whose
  ``MATCH`` finds the same substrings (case-insensitive) from its index.

A trigram index needs three characters: a shorter text is compared row by row on both (``LIKE``),
as is a text that is nothing but the wildcards ``%`` and ``_`` (taken out: they are not searched
for). A device code is not searched here: ``devices.service.filtered_devices`` looks it up first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    bindparam,
    column,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import InternalTraversal

from collecte.devices.models import Device

# The searched columns, in the FTS5 table's order (its triggers and migration 0019 list them too).
SEARCHED_COLUMNS = ("serial", "brand", "model")
# SQLite's full-text table and the PostgreSQL trigram indexes: built by migration 0019, unknown to
# the models (neither can be declared portably), so the drift check leaves them out by these names.
FTS_TABLE = "devices_search"
TRIGRAM_INDEXES = {
    "ix_devices_serial_trgm": ("devices", "serial"),
    "ix_devices_brand_trgm": ("devices", "brand"),
    "ix_devices_model_trgm": ("devices", "model"),
    "ix_organizations_name_trgm": ("organizations", "name"),
}
TRIGRAM = 3  # the shortest text a trigram index can serve

_FTS = table(FTS_TABLE, column("rowid"))


def is_search_object(name: str | None) -> bool:
    """Whether a table or index is one of the search structures above (for the drift check)."""
    if name is None:
        return False
    return name in TRIGRAM_INDEXES or name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")


def searched_words(text: str) -> str:
    """The text searched for: trimmed, without the wildcards and the double quotes that SQL's
    LIKE and FTS5's phrase syntax would read as syntax."""
    return text.strip().replace("%", "").replace("_", "").replace('"', "")


class DeviceTextMatch(ColumnElement[bool]):
    """Devices whose serial, brand or model contains the words (see the module's docstring)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition, like a comparison (no ``= 1`` after it)
    # The words are a bound parameter (one cached statement serves every search); whether the
    # index can serve them changes the statement, so it is part of the cache key.
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's traversal protocol)
        ("words", InternalTraversal.dp_clauseelement),
        ("indexed", InternalTraversal.dp_boolean),
    ]

    def __init__(self, words: str) -> None:
        self.words: BindParameter[str] = bindparam(None, words, unique=True)
        self.indexed = len(words) >= TRIGRAM


def text_match(text: str) -> ColumnElement[bool] | None:
    """The devices whose serial, brand or model contains ``text``; None for a blank text."""
    words = searched_words(text)
    return DeviceTextMatch(words) if words else None


def _contains(match: DeviceTextMatch) -> ColumnElement[bool]:
    pattern = literal("%") + match.words + literal("%")
    return or_(*(getattr(Device, column).ilike(pattern) for column in SEARCHED_COLUMNS))


@compiles(DeviceTextMatch)
def _compile_contains(match: DeviceTextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL (and any other database): ILIKE, which the trigram indexes serve."""
    return f"({compiler.process(_contains(match), **kw)})"


@compiles(DeviceTextMatch, "sqlite")
def _compile_fts(match: DeviceTextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite: the rows of the trigram FTS5 table that hold the words as one phrase."""
    if not match.indexed:
        return f"({compiler.process(_contains(match), **kw)})"
    phrase = literal('"') + match.words + literal('"')
    # FTS5 names the whole table on the left of MATCH: any column of the table's own name.
    found = select(_FTS.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(phrase))
    return compiler.process(Device.id.in_(found.scalar_subquery()), **kw)
