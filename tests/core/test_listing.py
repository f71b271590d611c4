"""One page of a list (collecte.core.listing): counted, a number past the last page shows the
last one, the links keep the filters, and a search takes ``%`` and ``_`` literally."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.core import listing
from collecte.core.listing import (
    KeysetPage,
    capped_count,
    choice,
    contains_text,
    keyset_page,
    page_of,
)
from collecte.orgs.models import Organization, OrgKind
from tests.factories.accounts import make_organization


def test_a_page_past_the_last_shows_the_last(db: Session) -> None:
    for number in range(5):
        make_organization(db, kind=OrgKind.PARTNER, name=f"Listing {number}")
    query = (
        select(Organization)
        .where(Organization.name.startswith("Listing "))
        .order_by(Organization.name)
    )
    page = page_of(
        db, query, number=9, path="/admin/organizations", params={"q": "x", "kind": ""}, size=2
    )
    assert (page.total, page.pages, page.number) == (5, 3, 3)
    assert [o.name for o in page.rows] == ["Listing 4"]
    assert page.url(2) == "/admin/organizations?q=x&page=2"  # the empty filter left out


def test_a_search_is_literal_and_a_blank_one_filters_nothing(db: Session) -> None:
    make_organization(db, kind=OrgKind.PARTNER, name="Cent % solidaire")
    make_organization(db, kind=OrgKind.PARTNER, name="Centre social")
    assert contains_text("  ", Organization.name) is None

    def named(text: str) -> list[str]:
        matching = contains_text(text, Organization.name)
        assert matching is not None
        return sorted(db.scalars(select(Organization.name).where(matching)))

    assert named("CENT") == ["Cent % solidaire", "Centre social"]
    assert named("% s") == ["Cent % solidaire"]


def test_a_filter_value_names_a_choice_or_nothing() -> None:
    assert choice(OrgKind, "donor") is OrgKind.DONOR
    assert choice(OrgKind, "") is None
    assert choice(OrgKind, "nobody") is None


def test_a_count_stops_at_the_cap_and_says_there_are_more(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(4):
        make_organization(db, kind=OrgKind.PARTNER, name=f"Capped {number}")
    query = select(Organization).where(Organization.name.startswith("Capped "))
    assert capped_count(db, query) == (4, False)
    monkeypatch.setattr(listing, "TOTAL_CAP", 4)
    assert capped_count(db, query) == (4, False)
    monkeypatch.setattr(listing, "TOTAL_CAP", 3)
    assert capped_count(db, query) == (3, True)
    # Past the cap the last page is not known: a full page links to the next, beyond the cap.
    ordered = query.order_by(Organization.name)
    page = page_of(db, ordered, number=1, path="/x", size=2)
    assert (page.total, page.more, page.pages, page.next_url) == (3, True, 2, "/x?page=2")
    second = page_of(db, ordered, number=2, path="/x", size=2)
    assert [o.name for o in second.rows] == ["Capped 2", "Capped 3"]
    assert second.next_url == "/x?page=3"
    third = page_of(db, ordered, number=3, path="/x", size=2)
    assert (third.rows, third.next_url, third.prev_url) == ([], None, "/x?page=2")


def test_a_keyset_page_starts_after_its_cursor_and_links_both_ways(db: Session) -> None:
    made = [
        make_organization(db, kind=OrgKind.PARTNER, name=f"Keyset {number}") for number in range(5)
    ]
    query = select(Organization).where(Organization.name.startswith("Keyset "))
    by_id = {o.id: o for o in made}

    def page(after: int | None = None, before: int | None = None) -> KeysetPage[Organization]:
        return keyset_page(
            db,
            query,
            key=Organization.id,
            cursor=lambda o: str(o.id),
            after=after,
            before=before,
            path="/x",
            params={"q": "k", "kind": ""},
            size=2,
        )

    newest = sorted(by_id, reverse=True)
    first = page()
    assert [o.id for o in first.rows] == newest[:2]
    assert (first.total, first.more, first.prev_url) == (5, False, None)
    assert first.next_url == f"/x?q=k&after={newest[1]}"
    middle = page(after=newest[1])
    assert [o.id for o in middle.rows] == newest[2:4]
    assert middle.prev_url == f"/x?q=k&before={newest[2]}"
    assert middle.next_url == f"/x?q=k&after={newest[3]}"
    last = page(after=newest[3])
    assert [o.id for o in last.rows] == newest[4:]
    assert last.next_url is None
    back = page(before=newest[2])
    assert [o.id for o in back.rows] == newest[:2]
    assert back.prev_url is None  # the newest page again
    assert back.next_url == f"/x?q=k&after={newest[1]}"
    # A cursor past the end (its rows went since) shows the first page.
    assert [o.id for o in page(after=min(by_id)).rows] == newest[:2]
