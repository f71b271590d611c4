"""A local stand-in for the Base Adresse Nationale's geocoder: an http.server thread on 127.0.0.1
answering ``/search/`` with GeoJSON, as the tests tell it. Nothing leaves the machine."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


def feature(
    latitude: float, longitude: float, *, score: float = 0.93, kind: str = "housenumber"
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
        "properties": {"score": score, "type": kind, "label": f"found at {latitude},{longitude}"},
    }


@dataclass
class StandIn:
    """What the stand-in answers: by default nothing found; ``places`` by address; ``raw`` or a
    ``status`` for every request; ``delay`` seconds before answering. It notes every request."""

    url: str = ""
    places: dict[str, tuple[float, float]] = field(default_factory=dict)
    score: float = 0.93
    kind: str = "housenumber"
    raw: bytes | None = None
    status: int = 200
    delay: float = 0.0
    requests: list[dict[str, list[str]]] = field(default_factory=list)

    def answer(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        self.requests.append(query)
        if self.delay:
            time.sleep(self.delay)
        if self.raw is not None or self.status != 200:
            return self.status, self.raw or b"{}"
        q = query.get("q", [""])[0]
        found = [at for address, at in self.places.items() if q.startswith(address)]
        features = [feature(*found[0], score=self.score, kind=self.kind)] if found else []
        return 200, json.dumps({"type": "FeatureCollection", "features": features}).encode()


@pytest.fixture
def standin() -> Iterator[StandIn]:
    """A running stand-in geocoder; ``standin.url`` is its base URL."""
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/search/":
                self.send_error(404)
                return
            status, body = state.answer(parse_qs(parts.query))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A local URL nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
