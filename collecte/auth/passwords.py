"""Argon2id password hashing: parameters chosen on purpose, and a bound on hashes at once.

Parameters: OWASP's recommended minimum for Argon2id (Password Storage Cheat Sheet: m = 19 MiB,
t = 2, p = 1). argon2-cffi's default (RFC 9106's low-memory profile, 64 MiB, t = 3, p = 4) took
64 MiB per hash: a worker's peak went from 161 to 230 MB at its first login. Measured here, one
hash takes 18 ms with these parameters, against 120 ms with the default (medians of 15). A hash stored
with other parameters still verifies (each hash carries its own); none is rehashed, because the
hash is part of every token's fingerprint and rehashing would sign the account out everywhere.

Hashes run on ``CONCURRENT_HASHES`` threads of their own, whichever request asks: a burst of logins
waits its turn instead of taking 19 MiB each. A bound on the calls alone (a semaphore) was not
enough: each request thread that hashed once kept its 19 MiB in its own malloc arena, and 20 failed
logins at once took a worker from 165 to 468 MB; on two threads of their own, to 197 MB.

glibc's malloc is told to serve each hash's 19 MiB from its own mapping, returned when the hash
ends (``_return_large_blocks``). Left to itself it raises its mapping threshold to the size of
the first such block freed (here the import's dummy hash), and every later hash's block then came
from a thread's arena and stayed there: a worker kept 19 MB after its first login.
"""

from __future__ import annotations

import ctypes
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
# Two cores per worker: more hashes at once would only queue for them, with their memory taken.
CONCURRENT_HASHES = 2

# glibc's mallopt parameters; 1 MiB: far below a hash's 19 MiB, above the buffers a page uses.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_LARGE_BLOCK_BYTES = 1024 * 1024


def _return_large_blocks() -> None:
    """Have malloc map blocks of 1 MiB and more on their own, and give them back when freed."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return  # not glibc: its dynamic threshold, the reason for this, is glibc's own
    # Setting both fixes them: glibc no longer raises them as large blocks are freed.
    mallopt(_M_MMAP_THRESHOLD, _LARGE_BLOCK_BYTES)
    mallopt(_M_TRIM_THRESHOLD, _LARGE_BLOCK_BYTES)


_return_large_blocks()
_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)
_hashing = ThreadPoolExecutor(max_workers=CONCURRENT_HASHES, thread_name_prefix="argon2")

# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("collecte-timing-equaliser")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200  # the forms' and the API's limit: argon2 hashes any length, slowly


def hash_password(password: str) -> str:
    """The argon2id hash of a password."""
    return _hashing.submit(_hasher.hash, password).result()


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; an unknown account still pays for one verification."""
    try:
        matches = _hashing.submit(_hasher.verify, password_hash or _DUMMY_HASH, password).result()
    except (VerificationError, InvalidHashError):
        return False
    return matches and password_hash is not None
