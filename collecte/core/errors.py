"""One error base class carrying its HTTP status; handlers turn it into JSON or a page."""

from __future__ import annotations

from typing import Any, ClassVar


class CollecteError(Exception):
    """A failure the user can act on: rendered as ``{"error": kind, "detail": detail}``."""

    status_code: ClassVar[int] = 400
    kind: ClassVar[str] = "bad_request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.kind, "detail": self.detail, **self.extra}

    def headers(self) -> dict[str, str] | None:
        return None


class NotAuthenticated(CollecteError):
    status_code = 401
    kind = "not_authenticated"

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(CollecteError):
    status_code = 403
    kind = "forbidden"


class NotFound(CollecteError):
    status_code = 404
    kind = "not_found"


class Conflict(CollecteError):
    status_code = 409
    kind = "conflict"


class InvalidInput(CollecteError):
    """Well-formed input that a rule refuses (a postcode that names no département, …)."""

    status_code = 422
    kind = "invalid_input"


class TooManyAttempts(CollecteError):
    status_code = 429
    kind = "too_many_attempts"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after_seconds)}


class InvalidTransition(Conflict):
    """A status change the transition table or a rule does not allow; lists what is allowed."""

    kind = "invalid_transition"

    def __init__(self, detail: str, *, allowed: list[str]) -> None:
        super().__init__(detail, allowed=allowed)


class InvalidCodeError(CollecteError):
    """Scanner text that is not a device code (wrong length, alphabet or check character)."""

    status_code = 422
    kind = "invalid_code"
