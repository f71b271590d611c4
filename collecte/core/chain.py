"""The hash chain over the event log: evidence that its history was not rewritten.

Each event's ``hash`` is the link sha256(previous link, its ``seq``, its content), in log order
from '' before the first event; the counter row keeps the last one (``EventSequence.head``). The
links are computed where the numbers are given (``collecte.core.events``), under the lock on the
counter row that numbering already holds: no writer queues on anything new, and the
serialisation of an event's content is done before that lock is taken, so holding it costs one
sha256 per event and one more statement. ``verify`` walks the log and recomputes every link;
``head`` is what the impact page and reports print, so copies kept outside Collecte witness the
history: an insider who rewrites the whole chain and the counter is caught only by them.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import Connection, String, Table, Text, bindparam, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from collecte.core.event_models import Event, EventSequence

# What a link covers besides ``seq``: every column of an event but its id (an autoincrement
# drawn before the order is known) and its hash.
CONTENT: tuple[str, ...] = (
    "kind",
    "subject",
    "device_id",
    "pickup_id",
    "request_id",
    "shipment_id",
    "beneficiary_ref",
    "from_status",
    "to_status",
    "actor_id",
    "workshop_id",
    "site_id",
    "territory",
    "donor_id",
    "partner_id",
    "category",
    "weight_kg",
    "note",
    "payload",
    "occurred_at",
    "recorded_at",
)
_TABLE = cast(Table, Event.__table__)
# Read as stored: an enum or a payload altered into something no member or no JSON reads as
# must still be read, and fail its link, rather than stop the verification.
_AS_STORED = {"kind": String(), "subject": String(), "payload": Text()}


def content_columns() -> list[ColumnElement[Any]]:
    """The columns a link covers, labelled by name, as the chain reads them."""
    return [
        type_coerce(_TABLE.c[name], _AS_STORED[name]).label(name)
        if name in _AS_STORED
        else _TABLE.c[name]
        for name in CONTENT
    ]


def _plain(name: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name == "payload" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value  # not JSON: it cannot be what was chained
    if name == "weight_kg" and isinstance(value, int | float):
        return float(value)  # 2 written, 2.0 read back
    return value


def content(values: Mapping[Any, Any]) -> bytes:
    """An event's content as bytes, the same whether read from SQLite, from PostgreSQL or taken
    from the row about to be written: UTC datetimes to the microsecond, floats by ``repr``, the
    payload as sorted compact JSON, None as null."""
    plain = [_plain(name, values[name]) for name in CONTENT]
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical(values: Mapping[Any, Any]) -> bytes:
    """What an event's link hashes after the previous link: its ``seq``, then its content."""
    return _numbered(int(values["seq"]), content(values))


def _numbered(seq: int, body: bytes) -> bytes:
    return b"%d\n%s" % (seq, body)


def link(prev: str, values: Mapping[Any, Any]) -> str:
    """The link of an event (its values by column name, ``seq`` included) after ``prev``."""
    return next_link(prev, int(values["seq"]), content(values))


def next_link(prev: str, seq: int, body: bytes) -> str:
    """The link of event ``seq`` whose ``content`` is ``body``, after ``prev``."""
    return hashlib.sha256(b"%s\n%s" % (prev.encode("ascii"), _numbered(seq, body))).hexdigest()


def head(session: Session | Connection) -> tuple[int, str]:
    """The latest event's number and the chain's head (its link): what reports print."""
    statement = select(EventSequence.last, EventSequence.head).where(EventSequence.id == 1)
    row = session.execute(statement).one_or_none()
    return (int(row.last), str(row.head)) if row else (0, "")


Reason = Literal["link", "missing", "head", "beyond_head", "unnumbered", "unreadable"]


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain breaks first, and how.

    ``reason``: ``link`` (the event's content or hash is not what was chained), ``missing`` (no
    event bears this number: deleted), ``head`` (the counter's head is not the last event's
    link), ``beyond_head`` (an event numbered past the counter), ``unnumbered`` (a committed
    event without a number, ``seq`` None), ``unreadable`` (a value no column type reads)."""

    seq: int | None
    reason: Reason
    event_id: int | None = None


@dataclass(frozen=True)
class Verification:
    """The answer of ``verify``: ``checked`` events whose link held, before any break."""

    ok: bool
    checked: int
    first_broken: BrokenLink | None
    head_seq: int
    head_hash: str


def verify(
    session: Session,
    *,
    batch_size: int = 10_000,
    on_progress: Callable[[int], None] | None = None,
) -> Verification:
    """Recompute every link in log order, streamed ``batch_size`` events at a time, and say
    where the chain first breaks (``on_progress`` is told how many were checked, each batch)."""
    last, head_hash = head(session)
    statement = (
        select(_TABLE.c.id, _TABLE.c.seq, _TABLE.c.hash, *content_columns())
        .where(_TABLE.c.seq.is_not(None))
        .order_by(_TABLE.c.seq)
    )
    rows = session.execute(statement, execution_options={"yield_per": batch_size})
    prev, checked, broken = "", 0, None
    try:
        for row in rows:
            values = row._mapping
            if values["seq"] != checked + 1:
                broken = BrokenLink(checked + 1, "missing")
                break
            prev = link(prev, values)
            if prev != values["hash"]:
                broken = BrokenLink(checked + 1, "link", values["id"])
                break
            checked += 1
            if checked == last and prev != head_hash:
                broken = BrokenLink(last, "head")
                break
            if on_progress is not None and checked % batch_size == 0:
                on_progress(checked)
    except (ValueError, TypeError, LookupError):
        broken = BrokenLink(checked + 1, "unreadable")
    finally:
        rows.close()
    if broken is None:
        broken = _after_the_walk(session, checked=checked, last=last)
    if on_progress is not None:
        on_progress(checked)
    return Verification(broken is None, checked, broken, last, head_hash)


def _after_the_walk(session: Session, *, checked: int, last: int) -> BrokenLink | None:
    if checked < last:
        return BrokenLink(checked + 1, "missing")  # the tail is gone
    if checked > last:
        # Events committed since the counter was read are legitimate (their transaction moved
        # the counter before committing); one numbered past the counter as it is now is not.
        now, _ = head(session)
        if checked > now:
            return BrokenLink(now + 1, "beyond_head")
    stray = select(_TABLE.c.id).where(_TABLE.c.seq.is_(None)).order_by(_TABLE.c.id).limit(1)
    event_id = session.scalar(stray)
    return None if event_id is None else BrokenLink(None, "unnumbered", event_id)


def chain_the_log(connection: Connection, *, batch_size: int = 10_000) -> None:
    """Compute every numbered event's link and the head, in log order (what migration 0014
    does to the events written before the chain)."""
    prev, after = "", 0
    columns = (_TABLE.c.id, _TABLE.c.seq, *content_columns())
    relink = (
        update(_TABLE).where(_TABLE.c.id == bindparam("event_id")).values(hash=bindparam("link"))
    )
    while True:
        page = select(*columns).where(_TABLE.c.seq > after).order_by(_TABLE.c.seq)
        rows = connection.execute(page.limit(batch_size)).all()
        if not rows:
            break
        links = []
        for row in rows:
            prev = link(prev, row._mapping)
            links.append({"event_id": row.id, "link": prev})
        connection.execute(relink, links)
        after = rows[-1].seq
    connection.execute(update(EventSequence).where(EventSequence.id == 1).values(head=prev))
