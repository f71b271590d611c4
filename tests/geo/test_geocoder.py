"""The geocoder's client against a local stand-in: found, nothing found, unreachable, slow, broken
answers and poor matches all end in a position, the commune's centre when the address is not found."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from collecte.config import Settings
from collecte.geo.communes import CENTRES_FILE, commune_centre
from collecte.geo.geocoder import locate
from collecte.geo.position import PositionSource
from tests.geostandin import StandIn, closed_port_url, standin

__all__ = ["standin"]

ADDRESS = {"address": "12 rue Voltaire", "postcode": "93100", "city": "Montreuil"}
FOUND = (48.85421, 2.43567)


def _settings(tmp_path: Path, url: str, **extra: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, geocoder_url=url, **extra)  # type: ignore[arg-type]


def test_the_address_found_is_the_position(standin: StandIn, tmp_path: Path) -> None:
    standin.places["12 rue Voltaire"] = FOUND
    position = locate(_settings(tmp_path, standin.url), **ADDRESS)
    assert position is not None
    assert (position.latitude, position.longitude) == FOUND
    assert position.source is PositionSource.ADDRESS
    assert not position.approximate
    (query,) = standin.requests
    assert query["q"] == ["12 rue Voltaire 93100 Montreuil"]
    assert query["postcode"] == ["93100"]
    assert query["limit"] == ["1"]


def _is_montreuil_centre(position: object) -> None:
    centre = commune_centre("93100")
    assert centre is not None
    assert position == centre
    assert centre.approximate
    assert centre.source is PositionSource.COMMUNE
    assert centre.label == "Montreuil"
    assert abs(centre.latitude - 48.86) < 0.05
    assert abs(centre.longitude - 2.44) < 0.05


def test_nothing_found_falls_back_to_the_commune(standin: StandIn, tmp_path: Path) -> None:
    _is_montreuil_centre(locate(_settings(tmp_path, standin.url), **ADDRESS))
    assert len(standin.requests) == 1


def test_unreachable_geocoder_falls_back_to_the_commune(tmp_path: Path) -> None:
    _is_montreuil_centre(locate(_settings(tmp_path, closed_port_url()), **ADDRESS))


def test_a_slow_geocoder_is_not_waited_for(standin: StandIn, tmp_path: Path) -> None:
    standin.places["12 rue Voltaire"] = FOUND
    standin.delay = 2.0
    started = time.monotonic()
    position = locate(_settings(tmp_path, standin.url, geocoder_timeout_seconds=0.3), **ADDRESS)
    assert time.monotonic() - started < 1.5
    _is_montreuil_centre(position)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"<html>not json</html>", 200),
        (b'{"features": [{"geometry": null}]}', 200),
        (b'{"type": "FeatureCollection"}', 200),
        (b'{"features": [{"geometry": {"coordinates": [2.4, 95.0]}}]}', 200),
        (b'{"error": "down"}', 503),
    ],
)
def test_a_broken_answer_falls_back_to_the_commune(
    standin: StandIn, tmp_path: Path, raw: bytes, status: int
) -> None:
    standin.raw, standin.status = raw, status
    _is_montreuil_centre(locate(_settings(tmp_path, standin.url), **ADDRESS))


@pytest.mark.parametrize(("score", "kind"), [(0.31, "housenumber"), (0.95, "municipality")])
def test_a_poor_match_is_not_trusted(
    standin: StandIn, tmp_path: Path, score: float, kind: str
) -> None:
    standin.places["12 rue Voltaire"] = FOUND
    standin.score, standin.kind = score, kind
    _is_montreuil_centre(locate(_settings(tmp_path, standin.url), **ADDRESS))


def test_without_a_geocoder_nothing_is_asked(standin: StandIn, tmp_path: Path) -> None:
    _is_montreuil_centre(locate(_settings(tmp_path, ""), **ADDRESS))
    assert standin.requests == []


def test_the_tests_never_point_at_the_public_geocoder(settings: Settings) -> None:
    assert settings.geocoder_url == ""
    assert Settings(_env_file=None).geocoder_url == ""


def test_commune_centres_cover_france_and_cite_their_sources() -> None:
    paris, lyon, unknown = commune_centre("75011"), commune_centre("69003"), commune_centre("93999")
    assert paris is not None
    assert abs(paris.latitude - 48.85) < 0.05
    assert lyon is not None
    assert abs(lyon.longitude - 4.84) < 0.05
    assert unknown is None
    header = CENTRES_FILE.read_text(encoding="utf-8")[:600]
    assert "Licence Ouverte" in header
    assert "CC BY 4.0" in header
    rows = CENTRES_FILE.read_text(encoding="utf-8").count("\n")
    assert rows > 6000
