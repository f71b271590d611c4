"""The public impact page (``GET /impact``) and its embeddable badge (``GET /impact/widget.svg``):
the whole network's counters, no login, no organisation named unless it opted in.

A thousand visitors must cost nothing: the rendered body is kept per language for a few seconds
(``COLLECTE_PUBLIC_CACHE_SECONDS``), served with ``Cache-Control: public`` and an ETag that answers
304. The cache lives in the process: DESIGN keeps out of process memory only the state that must
hold across requests; this is an optimisation, and a process that lacks an entry simply renders
it (each process of a deployment renders at most once per language and period).

Neither route reads the session (``PageSessionMiddleware`` skips them), so a response carries no
cookie and may be stored by a shared cache; the page's language is ``?lang=`` or, without it, the
language cookie (then ``Vary: Cookie``); the badge's is ``?lang=`` or the default.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from jinja2 import Environment

from collecte.config import LANGUAGES, Settings
from collecte.core import chain, i18n
from collecte.core.db import open_session
from collecte.core.pdf import in_language
from collecte.core.web import LANGUAGE_COOKIE
from collecte.impact import display, service, widget
from collecte.impact.factors import CAVEAT
from collecte.impact.schemas import ImpactOut
from collecte.orgs.models import OrgKind

router = APIRouter(include_in_schema=False)

WIDGET_FIGURES = ("collected", "redistributed", "people_equipped", "co2e_avoided_kg")
# The badge is an image for other sites: nothing in it runs, and it may be shown anywhere.
WIDGET_HEADERS = {
    "Content-Security-Policy": "default-src 'none'",
    "Cross-Origin-Resource-Policy": "cross-origin",
}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    until: float


class PublicCache:
    """Rendered bodies by key (page or badge, language), each kept for ``seconds``."""

    def __init__(self, seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[tuple[str, str], Rendered] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], render: Callable[[], bytes]) -> Rendered:
        """The kept body, or a fresh rendering (kept in turn) when there is none or it expired.
        Two requests that miss together both render: cheaper than making one wait."""
        now = self.clock()
        with self._lock:
            kept = self._entries.get(key)
        if kept is not None and kept.until > now:
            return kept
        body = render()
        fresh = Rendered(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', now + self.seconds)
        if self.seconds > 0:
            with self._lock:
                self._entries[key] = fresh
        return fresh


def _cache(request: Request) -> PublicCache:
    cache: PublicCache = request.app.state.impact_public_cache
    return cache


def _answer(request: Request, rendered: Rendered, media_type: str, **headers: str) -> Response:
    """The body, or 304 when the visitor's copy is this one."""
    seconds = _cache(request).seconds
    headers |= {
        "ETag": rendered.etag,
        "Cache-Control": f"public, max-age={seconds}" if seconds else "no-cache",
    }
    wanted = request.headers.get("if-none-match", "")
    tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
    if rendered.etag in tags or "*" in tags:
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, media_type=media_type, headers=headers)


def _asked_language(request: Request) -> str | None:
    asked = request.query_params.get("lang")
    return asked if asked in LANGUAGES else None


@dataclass(frozen=True)
class Figures:
    answer: ImpactOut
    participants: dict[OrgKind, list[str]]
    chain: tuple[int, str]


def _figures(request: Request, settings: Settings) -> Figures:
    """What both the page and the badge show, read in one short transaction."""
    with open_session(request) as session:
        return Figures(
            answer=service.public_impact(session, settings),
            participants=service.public_participants(session),
            chain=chain.head(session),
        )


def _page(request: Request, language: str) -> bytes:
    settings: Settings = request.app.state.settings
    figures = _figures(request, settings)
    env: Environment = request.app.state.templates
    answer = figures.answer
    with in_language(language):
        html = env.get_template("impact/public.html").render(
            request=request,
            lang=language,
            languages=LANGUAGES,
            programme_name=settings.programme_name,
            answer=answer,
            cards=display.cards(answer.counters),
            funnel=display.funnel_chart(answer.counters, chart_id="public-funnel"),
            displacement=display.share(answer.displacement),
            donors=figures.participants[OrgKind.DONOR],
            partners=figures.participants[OrgKind.PARTNER],
            chain=figures.chain,
            widget_url=f"{settings.public_base_url.rstrip('/')}/impact/widget.svg",
        )
    return html.encode()


@router.get("/impact")
def public_page(request: Request) -> Response:
    """The network's impact for anyone: counters, who took part (those who opted in), the factor
    version and caveat, and the head of the hash-chained history."""
    asked = _asked_language(request)
    settings: Settings = request.app.state.settings
    language = asked or i18n.pick_language(
        request.cookies.get(LANGUAGE_COOKIE), settings.default_language
    )
    rendered = _cache(request).get(("page", language), lambda: _page(request, language))
    vary = {} if asked else {"Vary": "Cookie"}
    return _answer(request, rendered, "text/html; charset=utf-8", **vary)


def _badge(request: Request, language: str) -> bytes:
    settings: Settings = request.app.state.settings
    answer = _figures(request, settings).answer
    with in_language(language):
        shown = {card.key: card for card in display.cards(answer.counters, WIDGET_FIGURES)}
        svg = widget.badge(
            title=i18n.gettext("%(programme)s · our impact")
            % {"programme": settings.programme_name},
            figures=[
                (
                    display.co2_short(answer.counters.co2e_avoided_kg)
                    if key == "co2e_avoided_kg"
                    else shown[key].value,
                    shown[key].title,
                )
                for key in WIDGET_FIGURES
            ],
            caveat=i18n.gettext(CAVEAT)
            + " "
            + i18n.gettext("Impact factors, version %(version)s.")
            % {"version": answer.factors_version},
            language=language,
        )
    return svg.encode()


@router.get("/impact/widget.svg")
def public_widget(request: Request) -> Response:
    """The network's main counters as an SVG badge for other sites (French unless ``?lang=en``)."""
    settings: Settings = request.app.state.settings
    language = _asked_language(request) or settings.default_language
    rendered = _cache(request).get(("widget", language), lambda: _badge(request, language))
    return _answer(request, rendered, "image/svg+xml; charset=utf-8", **WIDGET_HEADERS)
