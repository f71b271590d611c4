"""The published OpenAPI documents the errors as they are answered: one ErrorOut shape, no
FastAPI HTTPValidationError (defect 10)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from collecte.config import Settings
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop

ERROR_REF = "#/components/schemas/ErrorOut"
METHODS = {"get", "put", "post", "delete", "patch"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_error_response_references_error_out(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(spec)
    with_422 = 0
    for path, method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, (path, method, status)
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in operation["responses"], (path, method)
            with_422 += 1
        if operation.get("security"):
            assert {"401", "403"} <= set(operation["responses"]), (path, method)
    assert with_422 > 20
    token = spec["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert token["429"]["description"] == "too many failures"
    assert token["429"]["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}
    # Every reference resolves.
    schemas = spec["components"]["schemas"]
    for ref in {r.rsplit("/", 1)[1] for r in _refs(spec)}:
        assert ref in schemas, ref


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _check(value: Any, schema: dict[str, Any], schemas: dict[str, Any]) -> None:
    """The part of JSON Schema ErrorOut uses (jsonschema is not installed)."""
    if "$ref" in schema:
        _check(value, schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
        return
    if "anyOf" in schema:
        failures = 0
        for option in schema["anyOf"]:
            try:
                _check(value, option, schemas)
            except AssertionError:
                failures += 1
        assert failures < len(schema["anyOf"]), (value, schema)
        return
    kind: str = schema["type"]
    python_type: type[Any] = {"object": dict, "array": list, "string": str, "integer": int}[kind]
    assert isinstance(value, python_type), (value, kind)
    if kind == "object":
        assert set(schema.get("required", ())) <= set(value), value
        for name, item in value.items():
            if name in schema.get("properties", {}):
                _check(item, schema["properties"][name], schemas)
    if kind == "array":
        for item in value:
            _check(item, schema["items"], schemas)


def test_real_error_answers_fit_the_published_schema(
    client: TestClient, workshop: Workshop, settings: Settings
) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    error_out = {"$ref": ERROR_REF}
    headers = auth_headers(settings, workshop.technician)
    malformed = client.post("/api/v1/devices", json={"category": "toaster"}, headers=headers)
    assert malformed.status_code == 422
    assert malformed.json()["fields"]
    _check(malformed.json(), error_out, schemas)
    for response in (
        client.get("/api/v1/users/me"),
        client.get("/api/v1/devices/ZZZZZZZZ", headers=headers),
        client.post("/api/v1/users", json={}, headers=headers),
    ):
        assert response.status_code >= 400
        _check(response.json(), error_out, schemas)
