"""The one state-machine helper every status enum goes through (devices, pickups; requests and
shipments later).

A ``StateMachine`` is data: the transition table, the initial status, the payload a target
requires and the statuses that reset a subject's history. ``move`` applies one transition: it
checks the table, then the domain's guard (a rule that refuses a legal move, given the facts),
then the payload the target requires; only then does it write the status, reset what the target
resets and write the event, through the callbacks the domain passes. Every refusal answers 409
with the statuses actually reachable now.

The status column has no other writer: ``guard_status_column`` installs an ORM listener that
refuses any assignment made outside ``move`` (a new row may only start at the initial status), and
refuses ORM ``UPDATE`` statements that set the column.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import InstrumentedAttribute, ORMExecuteState, Session

from collecte.core.errors import InvalidInput, InvalidTransition, Reason
from collecte.core.vocabulary import N_

S = TypeVar("S", bound=enum.StrEnum)
T = TypeVar("T")

_writing: ContextVar[object | None] = ContextVar("status_writer", default=None)


class StatusWriteRefused(RuntimeError):
    """A status column was assigned outside its state machine: a programming error."""


@dataclass(frozen=True)
class StateMachine(Generic[S]):
    """A status enum's transitions, as data."""

    name: str
    statuses: type[S]
    initial: S
    transitions: Mapping[S, frozenset[S]]
    # Payload fields a target needs (``None`` or missing is refused with 422).
    requires: Mapping[S, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Targets after which the subject's history starts afresh (a return, a find).
    resets: frozenset[S] = frozenset()
    # How a move the table refuses is worded (marked for translation where the machine is
    # defined): with ``%(current)s``, ``%(target)s`` and, for the first, ``%(possible)s``.
    cannot_go: str = N_(
        "this status cannot go from %(current)s to %(target)s; allowed: %(possible)s"
    )
    is_final: str = N_("this status cannot go from %(current)s to %(target)s: %(current)s is final")

    def __post_init__(self) -> None:
        missing = set(self.statuses) - set(self.transitions)
        if missing:
            raise ValueError(f"{self.name}: no transitions given for {sorted(missing)}")

    def allowed_next(self, current: S) -> list[S]:
        """The statuses the table allows from ``current``, in declaration order."""
        order = list(self.statuses)
        return sorted(self.transitions[current], key=order.index)

    def can(self, current: S, target: S) -> bool:
        return target in self.transitions[current]

    def refuse(self, reason: Reason, *, allowed: Iterable[S]) -> InvalidTransition:
        """A 409 for a move that may not happen now, listing what may."""
        return InvalidTransition.because(reason, allowed=[s.value for s in allowed])

    def move(
        self,
        subject: object,
        to: S,
        *,
        guard: Callable[[S], Reason | None] | None = None,
        possible: Callable[[], list[S]] | None = None,
        provided: Mapping[str, Any] | None = None,
        reset: Callable[[], None] | None = None,
        record: Callable[[S, S], T],
    ) -> T:
        """Apply one transition to ``subject`` and return what ``record(from, to)`` wrote.

        ``guard(target)`` names the rule that refuses a legal move (else None); ``possible()``
        lists the statuses reachable once the rules are applied (the 409's ``allowed``).
        """
        current: S = getattr(subject, "status")  # noqa: B009 (every guarded subject has one)
        if not self.can(current, to):
            allowed = self.allowed_next(current)
            params = {"current": current, "target": to}
            reason = (
                Reason("transition_not_allowed", self.cannot_go, {**params, "possible": allowed})
                if allowed
                else Reason("final_status", self.is_final, params)
            )
            raise self.refuse(reason, allowed=allowed)
        refusal = guard(to) if guard is not None else None
        if refusal is not None:
            raise self.refuse(
                refusal, allowed=possible() if possible is not None else self.allowed_next(current)
            )
        given = provided or {}
        missing = [name for name in self.requires.get(to, ()) if given.get(name) is None]
        if missing:
            raise InvalidInput(
                "missing_payload",
                N_("give %(missing)s: a change to %(target)s records it"),
                extra={"missing": missing},
                missing=missing,
                target=to,
            )
        with writing_status(subject):
            subject.status = to  # type: ignore[attr-defined]
        if reset is not None and to in self.resets:
            reset()
        return record(current, to)


@contextmanager
def writing_status(subject: object) -> Iterator[None]:
    """Let the state machine, and only it, assign this subject's status."""
    token = _writing.set(subject)
    try:
        yield
    finally:
        _writing.reset(token)


def guard_status_column(attribute: InstrumentedAttribute[Any], machine: StateMachine[Any]) -> None:
    """Refuse any assignment to this status column made outside ``StateMachine.move``, and any
    ORM ``UPDATE`` statement that sets it."""
    _refuse_bulk_status_updates(attribute.class_.__table__.name, attribute.key)

    @event.listens_for(attribute, "set", retval=True)
    def _check(target: object, value: Any, _old: Any, _initiator: Any) -> Any:
        if _writing.get() is target:
            return value
        state = inspect(target)
        if (state.transient or state.pending) and value == machine.initial:
            return value
        raise StatusWriteRefused(
            f"{type(target).__name__}.status is written only by its state machine "
            f"(collecte.core.state); got {value!r}"
        )


def _refuse_bulk_status_updates(table_name: str, column: str) -> None:
    @event.listens_for(Session, "do_orm_execute")
    def _check(state: ORMExecuteState) -> None:
        if not state.is_update:
            return
        statement: Any = state.statement
        table = getattr(statement, "table", None)
        if getattr(table, "name", None) != table_name:
            return
        values = getattr(statement, "_values", None) or {}
        names = {getattr(key, "key", key) for key in values}
        if column in names:
            raise StatusWriteRefused(
                f"{table}.{column} is written only by its state machine (collecte.core.state)"
            )
