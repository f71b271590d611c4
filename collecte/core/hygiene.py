"""What every request must be before any route reads it: a body no larger than the limit (413),
and no control character in its path, its query string or the strings of its form or JSON
body (422). One middleware, so the OAuth2 login form, the pages' forms and every query
parameter are covered as well as the schemas' own ``Text`` and ``Line`` fields."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from collecte.core.errors import CollecteError, InvalidInput
from collecte.core.handlers import _error_page, _wants_html
from collecte.core.schemas import FORBIDDEN_IN_TEXT
from collecte.core.vocabulary import N_
from collecte.core.web import request_language

# A JSON text holds a control character only as an escape (\u0000…\u001f but for \t \n \r,
# \u007f, \ufffe, \uffff, a surrogate): the body is parsed and walked only when one appears.
_JSON_SUSPECT = re.compile(
    rb"\\u(00[01][0-8bcefBCEF]|001[0-9a-fA-F]|007[fF]|[dD][89a-fA-F]|[fF]{3}[eEfF])|\x7f|\xef\xbf[\xbe\xbf]"
)


class TooLarge(CollecteError):
    status_code = 413
    kind = "too_large"


def _too_large(limit: int) -> TooLarge:
    return TooLarge(
        "body_too_large",
        N_("the request is larger than %(limit)s MiB"),
        limit=limit // (1024 * 1024),
    )


CONTROL_CHARACTER = InvalidInput(
    "control_character", N_("the request contains a control character")
)


def _strings(value: Any) -> Any:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _json_is_clean(body: bytes) -> bool:
    if not _JSON_SUSPECT.search(body):
        return True
    try:
        parsed = json.loads(body)
    except ValueError:
        return True  # malformed JSON: the route's own validation refuses it
    return not any(FORBIDDEN_IN_TEXT.search(text) for text in _strings(parsed))


def _is_clean(scope: Scope, body: bytes) -> bool:
    query = unquote_plus(scope.get("query_string", b"").decode("latin-1"), errors="replace")
    if FORBIDDEN_IN_TEXT.search(scope.get("path", "")) or FORBIDDEN_IN_TEXT.search(query):
        return False
    content_type = Request(scope).headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        return not FORBIDDEN_IN_TEXT.search(unquote_plus(body.decode("latin-1"), errors="replace"))
    if content_type == "application/json" or content_type.endswith("+json"):
        return _json_is_clean(body)
    return True  # multipart: its text fields reach the schemas' Text and Line types


class HygieneMiddleware:
    """Refuse an oversized body (413) or a control character (422) before the app runs."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Request(scope).headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(scope, receive, send, _too_large(self.max_body_bytes))
            return
        # The body is read here whole (bounded by the limit, whatever the header said), so a
        # refused request never reaches a route, and the app reads it again from memory.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._refuse(scope, receive, send, _too_large(self.max_body_bytes))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if not _is_clean(scope, body):
            await self._refuse(scope, receive, send, CONTROL_CHARACTER)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: CollecteError) -> None:
        response = _response(Request(scope, receive), exc)
        await response(scope, receive, send)


def _response(request: Request, exc: CollecteError) -> Response:
    body = exc.body()
    if exc.status_code == 422:
        body["error"] = "validation_error"
    if _wants_html(request):
        return _error_page(request, exc.status_code, exc.message(request_language(request)))
    return JSONResponse(body, status_code=exc.status_code)
