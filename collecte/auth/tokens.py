"""Signed, expiring bearer tokens and session fingerprints.

Tokens are stateless (any app process can check them) and carry a fingerprint of the password
hash, so changing a password revokes every token issued before.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from collecte.auth.models import User

_SALT = "collecte.api-token.v1"


def fingerprint(user: User) -> str:
    """A short digest of the password hash: changes when the password does."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def issue_token(secret: str, user: User) -> str:
    """A bearer token naming the user, signed with the application secret."""
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps(
        {"uid": user.id, "fp": fingerprint(user)}
    )


def read_token(secret: str, token: str, *, max_age_seconds: int) -> tuple[int, str] | None:
    """The (user id, fingerprint) a valid, unexpired token carries, else None."""
    try:
        data = URLSafeTimedSerializer(secret, salt=_SALT).loads(token, max_age=max_age_seconds)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    return data["uid"], str(data.get("fp", ""))
