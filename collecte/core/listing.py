"""What the list pages share: a filter value read from the query string, a search for a text in
some columns, and one page of a query's rows, counted, with the links to the other pages."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

PAGE_SIZE = 50

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


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of rows, how many matched in all, and where the other pages are."""

    rows: list[Row]
    total: int
    number: int
    pages: int
    path: str
    params: dict[str, str] = field(default_factory=dict)

    def url(self, number: int) -> str:
        """The address of another page, with the same filters (the empty ones left out)."""
        kept = {name: value for name, value in self.params.items() if value}
        return f"{self.path}?{urlencode({**kept, 'page': number})}"


def page_of(
    session: Session,
    query: Select[Any],
    *,
    number: int,
    path: str,
    params: dict[str, str] | None = None,
    size: int = PAGE_SIZE,
) -> Page[Any]:
    """The rows of page ``number`` of the query (a number past the last page shows the last)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    number = min(number, pages)
    rows = list(session.scalars(query.limit(size).offset((number - 1) * size)))
    return Page(rows, total, number, pages, path, params or {})
