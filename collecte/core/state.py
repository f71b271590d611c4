"""The one state-machine helper every status enum goes through (devices, pickups; requests and
shipments later).

A ``StateMachine`` is data: the transition table, the initial status, the payload a target
requires and the statuses that reset a subject's history. ``move`` applies one transition: it
checks the table, then the domain's guard (a rule that refuses a legal move, given the facts),
then the payload the target requires; only then does it write the status, reset what the target
resets and write the event, through the callbacks the domain passes. Every refusal answers 409
with the statuses actually reachable now.

``move_all`` is the same for many subjects at once (an allocation run moves thousands of
devices): every move is checked first, and the first refusal raises before anything is written;
then one statement writes every status, checking each row's version as the ORM would, and the
domain records all the events at once. One subject or many, the checks are the same code.

The status column has no other writer: ``guard_status_column`` installs an ORM listener that
refuses any assignment made outside ``move`` (a new row may only start at the initial status), and
refuses ``UPDATE`` statements through a session that set the column, but ``move_all``'s own.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import CursorResult, Table, bindparam, event, inspect, update
from sqlalchemy.orm import InstrumentedAttribute, Mapper, ORMExecuteState, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from collecte.core.errors import InvalidInput, InvalidTransition, Reason
from collecte.core.vocabulary import N_

S = TypeVar("S", bound=enum.StrEnum)
T = TypeVar("T")

_writing: ContextVar[object | None] = ContextVar("status_writer", default=None)
# The table whose statuses ``move_all`` is writing right now (its UPDATE passes the guard).
_writing_table: ContextVar[str | None] = ContextVar("status_table_writer", default=None)


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

    def refusal(
        self,
        current: S,
        to: S,
        *,
        guard: Callable[[S], Reason | None] | None = None,
        possible: Callable[[], list[S]] | None = None,
    ) -> InvalidTransition | None:
        """The 409 this move would raise (the table, then the domain's guard), or None: what
        ``move`` and ``move_all`` check, for a caller that must know before it writes anything."""
        if not self.can(current, to):
            allowed = self.allowed_next(current)
            params = {"current": current, "target": to}
            reason = (
                Reason("transition_not_allowed", self.cannot_go, {**params, "possible": allowed})
                if allowed
                else Reason("final_status", self.is_final, params)
            )
            return self.refuse(reason, allowed=allowed)
        refused = guard(to) if guard is not None else None
        if refused is not None:
            return self.refuse(
                refused, allowed=possible() if possible is not None else self.allowed_next(current)
            )
        return None

    def _require_payload(self, to: S, provided: Mapping[str, Any] | None) -> None:
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
        refused = self.refusal(current, to, guard=guard, possible=possible)
        if refused is not None:
            raise refused
        self._require_payload(to, provided)
        with writing_status(subject):
            subject.status = to  # type: ignore[attr-defined]
        if reset is not None and to in self.resets:
            reset()
        return record(current, to)

    def move_all(
        self,
        session: Session,
        moves: Sequence[tuple[Any, S]],
        *,
        guard: Callable[[Any, S], Reason | None] | None = None,
        possible: Callable[[Any], list[S]] | None = None,
        provided: Callable[[Any], Mapping[str, Any]] | None = None,
        reset: Callable[[Any], None] | None = None,
        record: Callable[[Sequence[tuple[Any, S, S]]], T],
    ) -> T:
        """Apply many transitions at once (subjects of one mapped class, each at most once) and
        return what ``record`` wrote, given every (subject, from, to) in order.

        Each move is checked as ``move`` checks it (``guard``, ``possible`` and ``provided`` take
        the subject first); the first refusal raises before any status is written.
        """
        session.flush()  # the subjects' pending changes first: the versions compared are the rows'
        transitions: list[tuple[Any, S, S]] = []
        seen: set[int] = set()
        for subject, to in moves:
            if id(subject) in seen:
                raise ValueError(f"{self.name}: a subject moves once in a move_all")
            seen.add(id(subject))
            current: S = subject.status
            refused = self.refusal(
                current,
                to,
                guard=partial(guard, subject) if guard else None,
                possible=partial(possible, subject) if possible else None,
            )
            if refused is not None:
                raise refused
            self._require_payload(to, provided(subject) if provided else None)
            transitions.append((subject, current, to))
        _write_statuses(session, transitions)
        for subject, _current, to in transitions:
            if reset is not None and to in self.resets:
                reset(subject)
        return record(transitions)


def _write_statuses(session: Session, transitions: Sequence[tuple[Any, Any, Any]]) -> None:
    """Write each subject's new status: one ``UPDATE`` per target status and version read (a
    handful, however many rows). If the mapper has a version column, each row is matched at the
    version read and bumped, as the ORM does: a row changed by another transaction since makes
    the whole move fail as changed meanwhile."""
    if not transitions:
        return
    mapper: Mapper[Any] = inspect(type(transitions[0][0]))
    table = cast(Table, mapper.local_table)
    (key,) = mapper.primary_key
    version = mapper.version_id_col
    version_key = mapper.get_property_by_column(version).key if version is not None else ""
    groups: dict[tuple[Any, Any], list[Any]] = {}
    for subject, _current, to in transitions:
        read = getattr(subject, version_key) if version is not None else None
        groups.setdefault((to, read), []).append(mapper.primary_key_from_instance(subject)[0])
    matched = 0
    token = _writing_table.set(table.name)
    try:
        for (to, read), keys in groups.items():
            # The keys written into the statement rather than bound one by one (see db.among).
            among: Any = bindparam(None, keys, expanding=True, literal_execute=True)
            statement = update(table).where(key.in_(among)).values(status=to)
            if version is not None:
                statement = statement.where(version == read).values({version.name: read + 1})
            matched += cast(CursorResult[Any], session.execute(statement)).rowcount
    finally:
        _writing_table.reset(token)
    if version is not None and matched != len(transitions):
        raise StaleDataError(
            f"UPDATE of {table.name}.status expected to match {len(transitions)} row(s) at "
            f"their version; {matched} matched"
        )
    # The objects now say what the rows say, without being dirty (nothing left to flush); the
    # columns the update stamped by itself (updated_at) are read again if anyone asks.
    stamped = [mapper.get_property_by_column(c).key for c in table.c if c.onupdate is not None]
    for subject, _current, to in transitions:
        set_committed_value(subject, "status", to)
        if version is not None:
            set_committed_value(subject, version_key, getattr(subject, version_key) + 1)
        if stamped:
            session.expire(subject, stamped)


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
    ``UPDATE`` statement through a session that sets it but ``StateMachine.move_all``'s."""
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
        if not state.is_update or _writing_table.get() == table_name:
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
