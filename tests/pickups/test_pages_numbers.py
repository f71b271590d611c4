"""Weights on the pickup pages are written in the reader's locale (``6,5 kg`` in French), by the
one ``number`` filter every page uses (collecte.core.i18n.number)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from collecte.auth.models import User
from tests.pickups.pagehelpers import Browser, book


def test_a_pickups_weight_is_written_in_the_readers_locale(
    db: Session, browser: Callable[[User], Browser], donor_user: User
) -> None:
    pickup = book(db, donor_user, estimated_weight_kg=1234.5)
    donor = browser(donor_user)
    french = donor.get(f"/pickups/{pickup.id}").text
    assert "1\u202f234,5 kg" in french
    donor.client.cookies.set("collecte_lang", "en")
    english = donor.get(f"/pickups/{pickup.id}").text
    assert "1,234.5 kg" in english
