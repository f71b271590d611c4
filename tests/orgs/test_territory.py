from __future__ import annotations

import pytest

from collecte.orgs.territory import UnknownPostcode, territory_for_postcode


@pytest.mark.parametrize(
    ("postcode", "territory"),
    [
        ("75011", "75"),
        ("01000", "01"),
        ("93100", "93"),
        ("20000", "2A"),
        ("20090", "2A"),
        ("20167", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97110", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97500", "975"),
        ("97600", "976"),
        ("98000", "980"),
        ("98800", "988"),
        (" 75 011", "75"),
    ],
)
def test_territory_from_postcode(postcode: str, territory: str) -> None:
    assert territory_for_postcode(postcode) == territory


@pytest.mark.parametrize(
    "postcode", ["", "7501", "750111", "ABCDE", "00100", "96000", "97900", "99000"]
)
def test_postcode_that_names_no_territory_is_refused(postcode: str) -> None:
    with pytest.raises(UnknownPostcode):
        territory_for_postcode(postcode)
