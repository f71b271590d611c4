"""Signed, expiring bearer tokens and session fingerprints.

Tokens are stateless (any app process can check them) and carry a fingerprint of the password
hash, so changing a password revokes every token issued before. They also state the account's
role and organisation, which the account must still have when the token is used: a statement can
then be scoped before the account is read (the scan look-up), and a change of role revokes tokens.

Page sessions (the signed cookie) also carry the account's ``session_version``; signing out bumps
it (``end_web_sessions``), which ends every page session of that account, not only the one signing
out. Bearer tokens do not carry it: they are for API clients, which hold them until they expire, a
password change, a deactivation or a change of role; signing out of the pages leaves them valid.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.policy import Claimed

_SALT = "collecte.api-token.v2"


def fingerprint(user: User) -> str:
    """A short digest of the password hash and the token version: changes when the password does,
    and when a deactivation bumps the version."""
    return hash_fingerprint(user.password_hash, user.token_version)


def hash_fingerprint(password_hash: str, token_version: int) -> str:
    # Version 0 digests the hash alone, as before versions existed: tokens then issued still hold.
    material = password_hash if not token_version else f"{password_hash}#{token_version}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def end_tokens(session: Session, *, user_id: int) -> None:
    """End every bearer token (and page session) issued to the account so far."""
    session.execute(
        update(User).where(User.id == user_id).values(token_version=User.token_version + 1)
    )


def end_web_sessions(session: Session, *, user_id: int) -> None:
    """End every page session of the account: the cookies signed before no longer hold."""
    # One UPDATE, not a read-modify-write: two sign-outs at once still both end their sessions.
    session.execute(
        update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
    )


@dataclass(frozen=True)
class TokenClaims:
    principal: Claimed
    fingerprint: str


def issue_token(secret: str, user: User) -> str:
    """A bearer token naming the user, signed with the application secret."""
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps(
        {
            "uid": user.id,
            "fp": fingerprint(user),
            "role": user.role.value,
            "org": user.organization_id,
        }
    )


def read_token(secret: str, token: str, *, max_age_seconds: int) -> TokenClaims | None:
    """What a valid, unexpired token states, else None."""
    try:
        data = URLSafeTimedSerializer(secret, salt=_SALT).loads(token, max_age=max_age_seconds)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    org = data.get("org")
    try:
        role = Role(str(data.get("role")))
    except ValueError:
        return None
    if org is not None and not isinstance(org, int):
        return None
    return TokenClaims(Claimed(id=data["uid"], role=role, organization_id=org), str(data.get("fp")))
