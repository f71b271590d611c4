"""One page of a list (collecte.core.listing): counted, a number past the last page shows the
last one, the links keep the filters, and a search takes ``%`` and ``_`` literally."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.core.listing import choice, contains_text, page_of
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
