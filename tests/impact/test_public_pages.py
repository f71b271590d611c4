"""The public impact page and badge: the network's counters for anyone, only the organisations that
opted in named, the chain head, served from a short cache (no SQL on a hit, ETag and 304)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from collecte.core import chain
from collecte.impact.pages_public import PublicCache
from collecte.impact.widget import badge
from collecte.orgs.models import OrgKind
from tests.factories.accounts import make_organization
from tests.impact import scenario

HIDDEN = "Association Zéphyrine-Discrète"  # never opted in: never on the page nor the badge
HTML = {"Accept": "text/html"}


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on the engine meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _opt_in(db: Session, run: scenario.Scenario) -> None:
    run.flow.workshop.donor.name = "Banque Transparente"
    run.flow.workshop.donor.impact_public = True
    run.flow.partner.name = HIDDEN
    make_organization(db, kind=OrgKind.PARTNER, name="CCAS Ouvert").impact_public = True
    db.flush()


def test_anyone_sees_the_network_counters_and_only_the_organisations_that_opted_in(
    db: Session, client: TestClient, run: scenario.Scenario
) -> None:
    _opt_in(db, run)
    page = client.get("/impact", headers=HTML)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="counter-collected"' in html
    assert '<span class="counter-number">6</span>' in html
    assert (
        '<span class="counter-number">182,3</span> <span class="counter-unit">kg\u00a0CO₂e' in html
    )
    assert "Banque Transparente" in html
    assert "CCAS Ouvert" in html
    assert HIDDEN not in html
    assert run.flow.workshop.organization.name not in html  # a workshop is not listed either
    assert "2026-12" in html
    seq, head = chain.head(db)
    assert seq > 0
    assert f"n° {seq}." in html or f"no. {seq}." in html
    if head:  # the chain's hash, once the events are chained
        assert f'<code id="chain-hash">{head}</code>' in html
    assert 'href="/verify"' in html
    assert "set-cookie" not in page.headers
    assert page.headers["cache-control"] == "public, max-age=60"
    assert page.headers["vary"] == "Cookie"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    widget = client.get("/impact/widget.svg")
    assert HIDDEN not in widget.text
    assert "Banque Transparente" not in widget.text  # the badge names nobody


def test_the_page_and_the_badge_take_their_language_from_the_query(
    client: TestClient, run: scenario.Scenario
) -> None:
    english = client.get("/impact?lang=en", headers=HTML)
    assert '<html lang="en">' in english.text
    assert "People equipped" in english.text
    assert "vary" not in english.headers
    assert '<html lang="fr">' in client.get("/impact", headers=HTML).text
    client.cookies.set("collecte_lang", "en")
    assert '<html lang="en">' in client.get("/impact", headers=HTML).text
    assert '<html lang="fr">' in client.get("/impact?lang=fr", headers=HTML).text
    # the badge is French unless asked: another site's visitors carry no cookie of ours
    assert 'xml:lang="fr"' in client.get("/impact/widget.svg").text
    assert 'xml:lang="en"' in client.get("/impact/widget.svg?lang=en").text
    assert 'xml:lang="fr"' in client.get("/impact/widget.svg?lang=xx").text


def test_the_badge_is_an_image_other_sites_may_show(
    client: TestClient, run: scenario.Scenario
) -> None:
    response = client.get("/impact/widget.svg?lang=en")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["content-security-policy"] == "default-src 'none'"
    assert "x-frame-options" not in response.headers  # frames only; an <img> is not one
    assert "set-cookie" not in response.headers
    root = ET.fromstring(response.text)  # noqa: S314 (our own answer: well-formed, or this raises)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "6" in texts
    assert "People equipped" in texts
    assert "182.3\u00a0kg\u00a0CO₂e" in texts
    assert any("carbon offset" in (t or "") for t in texts)
    assert any("version 2026-12" in (t or "") for t in texts)  # the factor file it used
    assert "<script" not in response.text.lower()


def test_the_badge_escapes_its_text() -> None:
    svg = badge(
        title="<script>x</script>",
        figures=[("1", "<b>&</b>")] * 4,
        caveat='"quoted" <i>',
        language="en",
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    ET.fromstring(svg)  # noqa: S314 (our own markup)


def test_a_second_visit_within_the_period_costs_no_query_and_an_etag_answers_304(
    db: Session, client: TestClient, engine: Engine, run: scenario.Scenario
) -> None:
    with statements(engine) as first:
        page = client.get("/impact", headers=HTML)
    assert first, "the first visit reads the figures"
    with statements(engine) as second:
        again = client.get("/impact", headers=HTML)
        badge_first = client.get("/impact/widget.svg")
    assert again.text == page.text
    assert second  # the badge's first rendering read them
    with statements(engine) as third:
        assert client.get("/impact", headers=HTML).status_code == 200
        assert client.get("/impact/widget.svg").content == badge_first.content
        unchanged = client.get("/impact", headers={**HTML, "If-None-Match": page.headers["etag"]})
        badge_unchanged = client.get(
            "/impact/widget.svg", headers={"If-None-Match": f"W/{badge_first.headers['etag']}"}
        )
    assert third == []
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == page.headers["etag"]
    assert badge_unchanged.status_code == 304
    stale = client.get("/impact", headers={**HTML, "If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_the_kept_page_is_rendered_again_once_its_period_is_over(
    db: Session, client: TestClient, app: FastAPI, run: scenario.Scenario
) -> None:
    now = [1000.0]
    app.state.impact_public_cache = PublicCache(60, clock=lambda: now[0])
    assert "CCAS Ouvert" not in client.get("/impact", headers=HTML).text
    _opt_in(db, run)
    now[0] += 59
    assert "CCAS Ouvert" not in client.get("/impact", headers=HTML).text
    now[0] += 2
    assert "CCAS Ouvert" in client.get("/impact", headers=HTML).text


def test_no_cache_when_the_period_is_zero(
    db: Session, client: TestClient, app: FastAPI, run: scenario.Scenario
) -> None:
    app.state.impact_public_cache = PublicCache(0)
    first = client.get("/impact", headers=HTML)
    assert first.headers["cache-control"] == "no-cache"
    _opt_in(db, run)
    assert "CCAS Ouvert" in client.get("/impact", headers=HTML).text
