"""The chain stays whole under concurrent writers: each links after the head the previous commit
left, because links are computed under the counter-row lock the numbers already take."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sqlalchemy.orm import Session

from collecte.core.chain import verify
from collecte.core.events import EventDraft, EventKind, Subject, record_event, record_events
from tests.concurrency.conftest import Deployment

WRITERS = 8
ROUNDS = 10


def test_concurrent_writers_leave_a_whole_chain(deployment: Deployment) -> None:
    start = Barrier(WRITERS)

    def write(writer: int) -> None:
        start.wait()
        for n in range(ROUNDS):
            with deployment.sessions() as session, session.begin():
                _events(session, writer, n)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))
    with deployment.sessions() as session:
        result = verify(session)
    assert result.ok, result.first_broken
    assert result.checked == result.head_seq >= WRITERS * ROUNDS * 3


def _events(session: Session, writer: int, n: int) -> None:
    # One event numbered at the commit, then (every other round) a batch numbered as written.
    note = f"writer {writer} round {n}"
    record_event(session, kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None, note=note)
    drafts = [
        EventDraft(kind=EventKind.INTAKE, subject=Subject.DEVICE, actor_id=None, note=note)
        for _ in range(2)
    ]
    record_events(session, drafts, numbered_now=n % 2 == 0)
