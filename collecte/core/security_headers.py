"""Security headers: a content security policy and no framing on every HTML page, and no content
sniffing on every response.

The pages load their scripts and styles from /static only, with no inline script, style or event
handler (the scan station's configuration is a ``<script type="application/json">`` data block,
which is never executed and so needs no allowance), and talk to their own origin only.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
# FastAPI's interactive documentation loads Swagger UI / ReDoc from their CDN and starts them with
# an inline script it writes per app: those two pages alone need the CDN and 'unsafe-inline'.
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = "; ".join(
    (
        "default-src 'none'",
        f"script-src 'self' {DOCS_CDN} 'unsafe-inline'",
        f"style-src 'self' {DOCS_CDN} https://fonts.googleapis.com 'unsafe-inline'",
        "font-src https://fonts.gstatic.com",
        f"img-src 'self' data: https://fastapi.tiangolo.com {DOCS_CDN}",
        f"connect-src 'self' {DOCS_CDN}",
        f"worker-src blob: {DOCS_CDN}",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    """Adds the headers to each response as it starts, whatever produced it (a page, an error
    page, a static file)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                secure(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def secure(headers: MutableHeaders, path: str) -> None:
    """Set the headers on one response. The middleware calls it for every response; the 500
    handler calls it too, because Starlette answers unhandled errors from its outermost
    middleware, outside this one."""
    headers["X-Content-Type-Options"] = "nosniff"
    if headers.get("content-type", "").startswith("text/html"):
        headers["Content-Security-Policy"] = (
            DOCS_POLICY if path.startswith(DOCS_PATHS) else PAGE_POLICY
        )
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
