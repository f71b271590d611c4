"""Error handlers: JSON ``{"error", "detail"}`` for the API, an error page for browsers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from collecte.core.errors import CollecteError, Conflict, DatabaseUnavailable
from collecte.core.security_headers import secure
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, request_language

log = logging.getLogger(__name__)

_HTTP_KINDS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_attempts",
}


# PostgreSQL's answers to a transaction that lost a race with another: a serialization failure
# and a deadlock; the transaction was rolled back and the request may simply be sent again.
_LOST_RACE_SQLSTATES = frozenset({"40001", "40P01"})
_UNIQUE_VIOLATION = "23505"


def changed_meanwhile() -> Conflict:
    """The refusal of a write that lost a race: what it read was changed by another before it
    could write (an optimistic version check, a serialization failure, a deadlock)."""
    return Conflict(
        "changed_meanwhile", N_("this was changed meanwhile by someone else; reload and try again")
    )


def lost_race(exc: BaseException) -> bool:
    """Whether a database error means the transaction lost a race with a concurrent one."""
    if isinstance(exc, StaleDataError):
        return True
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(exc, IntegrityError):
        # A unique index refused a row that a concurrent transaction wrote first: the code checks
        # before it writes (a device bound once, a code drawn once), so only a race gets here.
        return sqlstate == _UNIQUE_VIOLATION or str(orig).startswith("UNIQUE constraint failed")
    return isinstance(exc, OperationalError) and sqlstate in _LOST_RACE_SQLSTATES


# PostgreSQL's answers meaning it cannot serve this connection now, as opposed to refusing what
# the request did: the connection-exception class, the server shutting down (by an operator, or
# after a crash) or starting up, and no connection slot left.
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error means the server is out of reach, rather than a fault of the
    request: the request failed, the next one may well succeed (once the server is back)."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:  # SQLAlchemy saw the connection die under this request
        return True
    if not isinstance(exc, OperationalError):
        return False
    # psycopg's errors carry the server's SQLSTATE, or None when the error arose in the client:
    # the connection could not be opened (refused, reset) or was lost. SQLite's carry none.
    sqlstate = getattr(exc.orig, "sqlstate", "")
    return (
        sqlstate is None
        or sqlstate in _UNAVAILABLE_SQLSTATES
        or (isinstance(sqlstate, str) and sqlstate.startswith("08"))
    )


def unavailable() -> DatabaseUnavailable:
    """The answer to a request the database could not serve (restarting, unreachable)."""
    return DatabaseUnavailable(
        "database_unavailable",
        N_("the database cannot be reached at the moment; try again in a few seconds"),
    )


def error_response(exc: CollecteError) -> JSONResponse:
    """The JSON answer for an application error."""
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers())


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path == "/openapi.json":
        return False
    return "text/html" in request.headers.get("accept", "")


def _error_page(
    request: Request, status_code: int, detail: str, headers: Mapping[str, str] | None = None
) -> Response:
    response = render(
        request, "errors/error.html", status_code=status_code, status=status_code, detail=detail
    )
    if headers:
        response.headers.update(headers)
    return response


def _describe_validation(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors:
        location = ".".join(
            str(p) for p in error.get("loc", ()) if p not in {"body", "query", "path"}
        )
        parts.append(
            f"{location}: {error.get('msg', 'invalid')}" if location else str(error.get("msg"))
        )
    return "; ".join(parts) or "the request is malformed"


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure to one JSON shape (API) or one error page (browser)."""

    @app.exception_handler(CollecteError)
    async def handle_collecte_error(request: Request, exc: CollecteError) -> Response:
        return _collecte_error(request, exc)

    def _collecte_error(request: Request, exc: CollecteError) -> Response:
        if _wants_html(request):
            if exc.kind == "login_required":
                return redirect(f"/login?next={quote(request.url.path)}")
            message = exc.message(request_language(request))
            return _error_page(request, exc.status_code, message, exc.headers())
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def handle_validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        detail = _describe_validation(errors)
        if _wants_html(request):
            return _error_page(request, 422, detail)
        return JSONResponse(
            {"error": "validation_error", "detail": detail, "fields": errors}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def handle_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = _HTTP_KINDS.get(exc.status_code, "http_error")
        detail = str(exc.detail) if exc.detail else kind.replace("_", " ")
        if _wants_html(request):
            return _error_page(request, exc.status_code, detail, exc.headers)
        return JSONResponse(
            {"error": kind, "detail": detail}, status_code=exc.status_code, headers=exc.headers
        )

    # A write that lost a race is a conflict, wherever it surfaced: at a flush inside the route
    # or at the commit after it (``get_session`` commits before the response leaves, so the
    # error still reaches these handlers). A database out of reach (restarting, say) fails the
    # requests it was serving with a 503 the client may retry, not a 500 that reads as a bug.
    @app.exception_handler(StaleDataError)
    @app.exception_handler(DBAPIError)
    async def handle_database_error(request: Request, exc: Exception) -> Response:
        if lost_race(exc):
            log.info("%s %s lost a race: %s", request.method, request.url.path, exc)
            return _collecte_error(request, changed_meanwhile())
        if database_unavailable(exc):
            # One line, no traceback: an outage fails every request it meets, for the same reason.
            reason = str(getattr(exc, "orig", exc)).strip().splitlines() or [""]
            log.warning(
                "%s %s: database unavailable: %s", request.method, request.url.path, reason[0]
            )
            return _collecte_error(request, unavailable())
        return await handle_unexpected(request, exc)

    @app.exception_handler(Exception)
    async def handle_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        detail = "an unexpected error occurred; it has been logged"
        response = (
            _error_page(request, 500, detail)
            if _wants_html(request)
            else JSONResponse({"error": "internal_error", "detail": detail}, status_code=500)
        )
        secure(response.headers, request.url.path)
        return response
