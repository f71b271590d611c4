"""The published OpenAPI documents the errors as the service answers them (collecte.core.handlers):
one ``ErrorOut`` shape for every error status, in place of FastAPI's default ``HTTPValidationError``.

Which statuses an operation lists is read from what the operation is: a body can be unreadable
(400: not UTF-8 JSON, a broken multipart form, refused before anything else is looked at); any
input (parameters or a body) can be malformed (422); a secured operation can meet no or a bad
token (401) and a role or organisation it does not serve (403); a path naming a thing can name
none the caller sees (404); a secured write can be refused by a rule given the current state (409)
and name in its body a thing the caller does not see (404). Statuses a route declares itself (the
token endpoint's 401 and 429, a document's 409) keep their description and get the shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA = "ErrorOut"
FIELD_ERROR_SCHEMA = "FieldErrorOut"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}

_FIELD_ERROR: dict[str, Any] = {
    "title": FIELD_ERROR_SCHEMA,
    "type": "object",
    "description": "One malformed value of the request.",
    "properties": {
        "loc": {
            "title": "Loc",
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "description": "Where the value is: body, query, path or header, then the field.",
        },
        "msg": {"title": "Msg", "type": "string"},
        "type": {"title": "Type", "type": "string"},
    },
    "required": ["loc", "msg", "type"],
}
_ERROR: dict[str, Any] = {
    "title": ERROR_SCHEMA,
    "type": "object",
    "description": "Every error answer: what kind of refusal, which one, and why in English.",
    "properties": {
        "error": {
            "title": "Error",
            "type": "string",
            "description": "The kind of error (not_found, conflict, validation_error, …).",
        },
        "code": {
            "title": "Code",
            "type": "string",
            "description": "The specific refusal, stable for clients to branch on (absent on "
            "malformed requests, which list their fields instead).",
        },
        "detail": {"title": "Detail", "type": "string", "description": "In English."},
        "allowed": {
            "title": "Allowed",
            "type": "array",
            "items": {"type": "string"},
            "description": "On a refused status change (409): the statuses allowed from here.",
        },
        "fields": {
            "title": "Fields",
            "type": "array",
            "items": {"$ref": f"#/components/schemas/{FIELD_ERROR_SCHEMA}"},
            "description": "On a malformed request (422): each malformed value.",
        },
        "retry_after_seconds": {
            "title": "Retry After Seconds",
            "type": "integer",
            "description": "On too many attempts (429): as the Retry-After header.",
        },
    },
    "required": ["error", "detail"],
}
_DESCRIPTIONS = {
    400: "The body could not be read (not UTF-8 JSON, a broken multipart form)",
    401: "Not authenticated: no valid bearer token",
    403: "Forbidden for this account",
    404: "Not found, or not visible to this account",
    409: "Refused given the current state",
    422: "Malformed input",
    429: "Too many attempts",
}
_WRITES = frozenset({"post", "put", "patch", "delete"})
_FASTAPI_DEFAULTS = ("HTTPValidationError", "ValidationError")


def _error_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    statuses = {int(s) for s in operation.get("responses", {}) if str(s)[:1] == "4"}
    if operation.get("requestBody"):
        statuses.add(400)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)
    if operation.get("security"):
        statuses |= {401, 403}
        if method in _WRITES:
            statuses |= {404, 409}  # a write may name a thing in its body (a site, a donor)
    if any(p.get("in") == "path" for p in operation.get("parameters", ())):
        statuses.add(404)
    return statuses


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Point every operation's error responses at ``ErrorOut``; drop FastAPI's default shapes."""
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "post", "delete", "options", "head", "patch", "trace"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(_error_statuses(method, operation)):
                previous = responses.get(str(status), {})
                responses[str(status)] = {
                    "description": (
                        previous.get("description")
                        if status != 422 and previous.get("description")
                        else _DESCRIPTIONS.get(status, "Error")
                    ),
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_DEFAULTS:
        schemas.pop(name, None)
    schemas[ERROR_SCHEMA] = _ERROR
    schemas[FIELD_ERROR_SCHEMA] = _FIELD_ERROR
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the schema FastAPI builds, with the errors documented as they are answered."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
