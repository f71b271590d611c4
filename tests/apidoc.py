"""What the published OpenAPI says an operation answers, for tests that check an answer is one
of them (the fuzz in tests/fuzz finds the undocumented ones; these pin each one found)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def documented(client: TestClient, method: str, path: str) -> dict[str, Any]:
    """The responses the published schema lists for an operation (``path`` as templated)."""
    spec = client.get("/openapi.json").json()
    responses: dict[str, Any] = spec["paths"][path][method.lower()]["responses"]
    return responses


def assert_documented(
    client: TestClient, method: str, path: str, status: int, media_type: str = "application/json"
) -> None:
    """The operation publishes this status, with this media type."""
    responses = documented(client, method, path)
    assert str(status) in responses, f"{method} {path} does not document {status}"
    assert media_type in responses[str(status)].get("content", {}), (method, path, status)
