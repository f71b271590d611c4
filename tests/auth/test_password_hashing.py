"""Password hashes use OWASP's minimum Argon2id parameters, verify hashes made with others, and
run on a bounded set of threads of their own."""

from __future__ import annotations

import threading
import time

import pytest
from argon2 import PasswordHasher

from collecte.auth import passwords
from collecte.auth.passwords import CONCURRENT_HASHES, hash_password, verify_password


def test_hashes_use_owasps_minimum_argon2id_parameters() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "wrong horse battery")
    assert not verify_password(None, "correct horse battery")  # unknown account
    assert not verify_password("not a hash", "correct horse battery")


def test_a_hash_made_with_other_parameters_still_verifies() -> None:
    older = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash("an older password")
    assert verify_password(older, "an older password")
    assert not verify_password(older, "another password")


class _Slow:
    """A stand-in hasher that notes how many calls run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def _work(self) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(threading.current_thread().name)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1

    def hash(self, password: str) -> str:
        self._work()
        return "hashed"

    def verify(self, password_hash: str, password: str) -> bool:
        self._work()
        return True


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> _Slow:
    stand_in = _Slow()
    monkeypatch.setattr(passwords, "_hasher", stand_in)
    return stand_in


def test_a_burst_of_logins_hashes_at_most_the_bound_at_once(slow: _Slow) -> None:
    calls = [
        threading.Thread(target=hash_password, args=("p",))
        if i % 2
        else threading.Thread(target=verify_password, args=("h", "p"))
        for i in range(4 * CONCURRENT_HASHES)
    ]
    for call in calls:
        call.start()
    for call in calls:
        call.join()
    assert slow.most == CONCURRENT_HASHES  # the burst did wait, and did use the bound
    # On threads of their own, whichever thread asked: the memory each hash takes stays in the
    # malloc arenas of those few threads, not one more arena per request thread.
    assert len(slow.threads) == CONCURRENT_HASHES
    assert all(name.startswith("argon2") for name in slow.threads)
