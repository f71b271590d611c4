"""Label stocks are worded in the reader's language on the pages (issue 12: "A4, 65 labels" in
English in the French interface), from the stock's data (the API keeps the file's name)."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.core import i18n
from collecte.core.web import LANGUAGE_COOKIE
from collecte.labels.stocks import get_stock, load_stocks
from collecte.labels.titles import stock_title
from tests.devices.pagehelpers import HTML, sign_in
from tests.factories.devices import Workshop


def _in(language: str, stock_id: str) -> str:
    token = i18n.current_language.set(language)
    try:
        return stock_title(get_stock(stock_id))
    finally:
        i18n.current_language.reset(token)


def test_each_stock_is_worded_from_its_data() -> None:
    assert _in("en", "avery-l7651") == "Avery L7651 — A4 sheet of 65 labels, 38.1 × 21.2 mm"
    assert _in("en", "brother-dk11209") == "Brother DK-11209 — roll of 62 × 29 mm labels"
    assert _in("en", "zebra-2x1-203") == (
        "Zebra — roll of 50.8 × 25.4 mm labels, ZPL for a 203 dpi printer"
    )
    # Numbers the French way, whatever the catalogue holds for the words.
    assert "38,1 × 21,2 mm" in _in("fr", "avery-l7651")


def test_a_sheet_of_one_label_is_singular() -> None:
    one = dataclasses.replace(get_stock("avery-l7651"), columns=1, rows=1)
    token = i18n.current_language.set("en")
    try:
        assert "A4 sheet of 1 label," in stock_title(one)
    finally:
        i18n.current_language.reset(token)


@pytest.mark.parametrize("page", ["/labels", "/scan"])
def test_the_pages_word_the_stocks_in_the_readers_language(
    client: TestClient, db: Session, page: str
) -> None:
    sign_in(client, Workshop(db).technician)
    french = client.get(page, headers=HTML).text
    for stock in load_stocks().values():
        assert stock.name not in french  # the data file's own English line
    assert "38,1 × 21,2 mm" in french
    client.cookies.set(LANGUAGE_COOKIE, "en")
    english = client.get(page, headers=HTML).text
    assert "Avery L7651 — A4 sheet of 65 labels, 38.1 × 21.2 mm" in english
