"""One error base class carrying its HTTP status; handlers turn it into JSON or a page.

Every refusal carries a ``code`` (short, snake_case, specific to the refusal), an English
``template`` with ``%(name)s`` placeholders, marked for extraction with ``N_`` where it is raised,
and its ``params``. The API answers the English rendering (``detail``); pages and emails render
``message(language)``: the template through the language's catalogue, and each enum parameter
(a status, a category, a role…) by its human name in that language.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from collecte.core import i18n
from collecte.core.vocabulary import LABELS, label


@dataclass(frozen=True)
class Term:
    """A stored name (a checklist item, a status) that the vocabulary words in each language."""

    key: str


def _english(value: Any) -> Any:
    if isinstance(value, Reason):
        return value.detail
    if isinstance(value, Term):
        return LABELS.get(value.key, value.key)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple | frozenset | set):
        return ", ".join(str(_english(v)) for v in value)
    return value


def _localised(value: Any, language: str) -> Any:
    if isinstance(value, Reason):
        return value.message(language)
    if isinstance(value, Term):
        return label(value.key)
    if isinstance(value, enum.Enum):
        return label(value)
    if isinstance(value, list | tuple | frozenset | set):
        return ", ".join(str(_localised(v, language)) for v in value)
    return value


@dataclass(frozen=True)
class Reason:
    """Why something is refused, kept apart from its values so any language can word it (a
    parameter may be an enum member, a list of them, or another ``Reason``)."""

    code: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        """The English rendering (enum parameters as their stored value)."""
        return self.template % {name: _english(value) for name, value in self.params.items()}

    def message(self, language: str) -> str:
        """The rendering in ``language``: the template translated, enum values by their name."""
        token = i18n.current_language.set(language)
        try:
            template = i18n.translations(language).gettext(self.template)
            values = {name: _localised(value, language) for name, value in self.params.items()}
            return template % values
        finally:
            i18n.current_language.reset(token)

    def __str__(self) -> str:
        return self.detail


class RuleError(ValueError):
    """A refusal raised below the HTTP layer (a parser, a code check): it carries its ``Reason``,
    and the service that calls it answers ``SomeCollecteError.because(exc.reason)``."""

    def __init__(self, code: str, template: str, /, **params: Any) -> None:
        self.reason = Reason(code, template, params)
        super().__init__(self.reason.detail)


class CollecteError(Exception):
    """A failure the user can act on: rendered as ``{"error": kind, "code", "detail", …extra}``."""

    status_code: ClassVar[int] = 400
    kind: ClassVar[str] = "bad_request"

    def __init__(
        self, code: str, template: str, /, *, extra: dict[str, Any] | None = None, **params: Any
    ) -> None:
        self.reason = Reason(code, template, params)
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(self.reason.detail)

    @classmethod
    def because(cls, reason: Reason, **kwargs: Any) -> Self:
        """This error for a reason worded elsewhere (a rule, a parser)."""
        return cls(reason.code, reason.template, **kwargs, **reason.params)

    @property
    def code(self) -> str:
        return self.reason.code

    @property
    def template(self) -> str:
        return self.reason.template

    @property
    def params(self) -> Mapping[str, Any]:
        return self.reason.params

    @property
    def detail(self) -> str:
        """The English rendering, as the API answers it."""
        return self.reason.detail

    def message(self, language: str) -> str:
        """The rendering in a reader's language (pages, emails)."""
        return self.reason.message(language)

    def body(self) -> dict[str, Any]:
        return {"error": self.kind, "code": self.code, "detail": self.detail, **self.extra}

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
    """A well-formed request that a rule refuses given the current state."""

    status_code = 409
    kind = "conflict"


class InvalidInput(CollecteError):
    """Malformed input (a value that is not a postcode, a file that is not CSV, …)."""

    status_code = 422
    kind = "invalid_input"


class TooManyAttempts(CollecteError):
    status_code = 429
    kind = "too_many_attempts"

    def __init__(
        self, code: str, template: str, /, *, retry_after_seconds: int, **params: Any
    ) -> None:
        super().__init__(
            code, template, extra={"retry_after_seconds": retry_after_seconds}, **params
        )
        self.retry_after_seconds = retry_after_seconds

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after_seconds)}


class DatabaseUnavailable(CollecteError):
    """The database could not serve the request (restarting, out of reach): worth a retry."""

    status_code = 503
    kind = "database_unavailable"
    RETRY_AFTER_SECONDS = 2  # a restarted PostgreSQL accepts connections again within seconds

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.RETRY_AFTER_SECONDS)}


class InvalidTransition(Conflict):
    """A status change the transition table or a rule does not allow; lists what is allowed."""

    kind = "invalid_transition"

    def __init__(
        self,
        code: str,
        template: str,
        /,
        *,
        allowed: list[str],
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code, template, extra={**(extra or {}), "allowed": allowed}, **params)


class InvalidCodeError(CollecteError):
    """Scanner text that is not a device code (wrong length, alphabet or check character)."""

    status_code = 422
    kind = "invalid_code"
