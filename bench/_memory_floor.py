"""The memory benchmark's floor: the plainest FastAPI app uvicorn can serve, one route."""

from __future__ import annotations

from fastapi import FastAPI


def create_app() -> FastAPI:
    """A FastAPI app with one JSON route and nothing else."""
    app = FastAPI()

    @app.get("/")
    def hello() -> dict[str, str]:
        """The one route."""
        return {"hello": "world"}

    return app
