from __future__ import annotations

import pytest

from collecte.orgs.territory import (
    UnknownPostcode,
    UnknownTerritory,
    normalise_territory,
    territory_for_postcode,
)


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


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("69", "69"),
        ("01", "01"),
        ("95", "95"),
        ("2A", "2A"),
        ("2b", "2B"),
        (" 974 ", "974"),
        ("971", "971"),
        ("978", "978"),
        ("980", "980"),
        ("986", "986"),
        ("988", "988"),
    ],
)
def test_territory_codes_are_normalised(raw: str, code: str) -> None:
    assert normalise_territory(raw) == code


@pytest.mark.parametrize(
    "raw", ["", "0", "00", "1", "20", "96", "99", "2C", "970", "979", "981", "985", "989", "750"]
)
def test_a_code_that_names_no_departement_is_refused(raw: str) -> None:
    with pytest.raises(UnknownTerritory):
        normalise_territory(raw)


@pytest.mark.parametrize("postcode", ["01000", "20000", "20200", "75011", "97400", "98800"])
def test_every_postcode_territory_is_a_territory_code(postcode: str) -> None:
    territory = territory_for_postcode(postcode)
    assert normalise_territory(territory) == territory
