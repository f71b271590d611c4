"""Server-rendered pages: the Jinja2 environment, the renderer, CSRF and language choice."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send

from collecte.config import LANGUAGES, Settings
from collecte.core import i18n
from collecte.core.errors import Forbidden
from collecte.core.vocabulary import N_, label

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LANGUAGE_COOKIE = "collecte_lang"
CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["label"] = label
    env.filters["number"] = i18n.number  # {{ weight|number }}: 16,5 in French
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def request_language(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return i18n.pick_language(request.cookies.get(LANGUAGE_COOKIE), settings.default_language)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use ("" outside the session middleware)."""
    if "session" not in request.scope:
        return ""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


async def require_csrf(request: Request) -> None:
    """Refuse a form post whose CSRF token is missing or is not this session's."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_SESSION_KEY)
    if (
        not isinstance(sent, str)
        or not isinstance(expected, str)
        or not hmac.compare_digest(sent, expected)
    ):
        raise Forbidden(
            "csrf_form_expired",
            N_(
                "the form has expired or did not come from this site; reload the page and try again"
            ),
        )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page in the visitor's language."""
    env: Environment = request.app.state.templates
    settings: Settings = request.app.state.settings
    language = request_language(request)
    token = i18n.current_language.set(language)
    try:
        html = env.get_template(template).render(
            request=request,
            lang=language,
            languages=LANGUAGES,
            programme_name=settings.programme_name,
            csrf_field=CSRF_FIELD,
            csrf_token=csrf_token(request),
            **context,
        )
    finally:
        i18n.current_language.reset(token)
    return HTMLResponse(html, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """Post-redirect-get: 303 so the browser follows with a GET."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """A local path to go back to; anything else (another host, a scheme) becomes the home page."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        # A browser drops tabs and newlines from a URL: "/\t/evil.example" would become
        # "//evil.example", another host; no control character goes back into a Location.
        and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)
    ):
        return target
    return "/"


CSRF_HEADER = "X-CSRF-Token"


def require_csrf_header(request: Request) -> None:
    """Refuse a script's request (fetch) whose X-CSRF-Token header is not this session's token."""
    sent = request.headers.get(CSRF_HEADER)
    expected = request.session.get(CSRF_SESSION_KEY)
    if (
        not isinstance(sent, str)
        or not isinstance(expected, str)
        # bytes: compare_digest refuses non-ASCII str, and a header may carry any Latin-1 text
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise Forbidden(
            "csrf_token_missing",
            N_("the request did not carry this session's CSRF token; reload the page"),
        )


API_PREFIX = "/api/"
# Public pages kept by shared caches (the public impact page and badge): their answers must carry
# no cookie, and they never read the session.
SESSIONLESS_PATHS = frozenset({"/impact", "/impact/widget.svg"})


class PageSessionMiddleware(SessionMiddleware):
    """The signed session cookie, for pages only: the JSON API authenticates by bearer token and
    never reads the session, so its requests skip the cookie's parsing and the response wrapper;
    so do the public pages that shared caches keep (``SESSIONLESS_PATHS``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            scope["path"].startswith(API_PREFIX) or scope["path"] in SESSIONLESS_PATHS
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
