"""What the list pages share: a filter value read from the query string, a search for a text in
some columns, and one page of a query's rows, counted, with the links to the other pages.

Two kinds of page: numbered (``page_of``, for the lists that stay short: accounts, organisations,
sites, the outbox) and keyset (``keyset_page``, for the devices, which grow to millions: a page
starts after the last row of the one before, read in order from an index, at the same cost
however deep). Either counts its rows up to ``TOTAL_CAP`` only: past it, "more than 10,000"
costs what 10,000 cost, where an exact count would read every matching row."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

PAGE_SIZE = 50
TOTAL_CAP = 10_000

Choice = TypeVar("Choice", bound=enum.Enum)
Row = TypeVar("Row")


def choice(kind: type[Choice], value: str) -> Choice | None:
    """A filter value from the query string; an empty or unknown one filters nothing."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def contains_text(text: str, *columns: Any) -> ColumnElement[bool] | None:
    """Rows in which one of the columns contains the text, whatever its case (``%`` and ``_`` are
    taken literally); None for a blank text, which filters nothing."""
    words = text.strip()
    if not words:
        return None
    return or_(*(column.icontains(words, autoescape=True) for column in columns))


def capped_count(session: Session, query: Select[Any]) -> tuple[int, bool]:
    """How many rows the query has, up to ``TOTAL_CAP``, and whether there are more."""
    # Only a constant per row: the rows are counted from an index where one covers the filters.
    limited = (
        query.with_only_columns(literal(1), maintain_column_froms=True)
        .order_by(None)
        .limit(TOTAL_CAP + 1)
        .subquery()
    )
    counted = session.scalar(select(func.count()).select_from(limited)) or 0
    return min(counted, TOTAL_CAP), counted > TOTAL_CAP


def _url(path: str, params: dict[str, str], **position: Any) -> str:
    """The address of another page, with the same filters (the empty ones left out)."""
    kept = {name: value for name, value in params.items() if value}
    return f"{path}?{urlencode({**kept, **position})}"


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of rows, how many matched in all (up to the cap), and where the other pages are."""

    rows: list[Row]
    total: int
    number: int
    pages: int
    path: str
    params: dict[str, str] = field(default_factory=dict)
    more: bool = False  # more than ``total`` (the cap) matched: ``pages`` is as far as is known

    def url(self, number: int) -> str:
        """The address of another page, with the same filters (the empty ones left out)."""
        return _url(self.path, self.params, page=number)

    @property
    def prev_url(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.pages else None


def page_of(
    session: Session,
    query: Select[Any],
    *,
    number: int,
    path: str,
    params: dict[str, str] | None = None,
    size: int = PAGE_SIZE,
) -> Page[Any]:
    """The rows of page ``number`` of the query (a number past the last page shows the last).

    Past the cap the last page is not known: each full page links to the next one."""
    total, more = capped_count(session, query)
    pages = max(1, -(-total // size))
    if not more:
        number = min(number, pages)
    rows = list(session.scalars(query.limit(size).offset((number - 1) * size)))
    if more:
        pages = number + 1 if len(rows) == size else number
    return Page(rows, total, number, pages, path, params or {}, more)


@dataclass(frozen=True)
class KeysetPage(Generic[Row]):
    """One page of rows newest first, how many matched in all (up to the cap), and the cursors of
    the pages either side (None at either end)."""

    rows: list[Row]
    total: int
    more: bool
    path: str
    params: dict[str, str]
    newer: str | None
    older: str | None
    number = None  # no page numbers: a position is a cursor

    @property
    def prev_url(self) -> str | None:
        return None if self.newer is None else _url(self.path, self.params, before=self.newer)

    @property
    def next_url(self) -> str | None:
        return None if self.older is None else _url(self.path, self.params, after=self.older)


def newest_first(
    query: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    after: int | None = None,
    before: int | None = None,
) -> Select[Any]:
    """The query ordered by ``key`` (unique, indexed), newest first: only the rows older than
    ``after``, or (oldest first, to be turned round) only those newer than ``before``."""
    if before is not None:
        return query.where(key > before).order_by(key.asc())
    if after is not None:
        query = query.where(key < after)
    return query.order_by(key.desc())


def keyset_page(
    session: Session,
    query: Select[Any],
    *,
    key: InstrumentedAttribute[int],
    cursor: Callable[[Any], str],
    after: int | None,
    before: int | None,
    path: str,
    params: dict[str, str],
    size: int = PAGE_SIZE,
) -> KeysetPage[Any]:
    """The page of an unordered query that starts after ``after`` or ends before ``before`` (the
    first page without either); ``cursor`` names a row in the links to the pages either side."""
    rows = list(
        session.scalars(newest_first(query, key, after=after, before=before).limit(size + 1))
    )
    beyond = len(rows) > size
    rows = rows[:size]
    if before is not None:
        rows.reverse()
        newer_exists, older_exists = beyond, True
    else:
        newer_exists, older_exists = after is not None, beyond
    if not rows and (after is not None or before is not None):
        # A cursor past either end (its rows went since): the first page.
        return keyset_page(
            session,
            query,
            key=key,
            cursor=cursor,
            after=None,
            before=None,
            path=path,
            params=params,
            size=size,
        )
    total, more = capped_count(session, query)
    return KeysetPage(
        rows,
        total,
        more,
        path,
        params,
        newer=cursor(rows[0]) if newer_exists and rows else None,
        older=cursor(rows[-1]) if older_exists and rows else None,
    )
