"""Issue each document once and serve its stored bytes; verify a copy by its code or its SHA-256.

A document is identified by what it says (its *facts*), not by when it was downloaded: the same
facts give back the stored version, byte for byte; changed facts issue a new version that
supersedes the previous one, which is kept so that copies already handed out still verify.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.platypus import Flowable
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.errors import Conflict
from collecte.core.pdf import Stamp, build_pdf, in_language
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.documents.codes import grouped, new_code
from collecte.documents.issuer import Issuer, issuer_logo
from collecte.documents.models import Document

VERIFY_PATH = "/verify"


@dataclass(frozen=True)
class Issued:
    """A document version and its stored bytes."""

    document: Document
    content: bytes


def facts_sha256(facts: Mapping[str, Any]) -> str:
    """The SHA-256 of facts in canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def latest_version(session: Session, *, kind: str, subject: str, language: str) -> Document | None:
    """The newest version of a document, if any was issued."""
    return session.scalar(
        select(Document)
        .where(Document.kind == kind, Document.subject == subject, Document.language == language)
        .order_by(Document.version.desc(), Document.id.desc())
        .limit(1)
    )


def _unused_code(session: Session) -> str:
    while True:  # 60 random bits: a second draw is all but never needed
        code = new_code()
        if session.scalar(select(Document.id).where(Document.verification_code == code)) is None:
            return code


def issue_document(
    session: Session,
    *,
    kind: str,
    subject: str,
    language: str,
    title: str,
    covers: str,
    facts: Mapping[str, Any],
    render: Callable[[], Sequence[Flowable]],
    issuer: Issuer,
    organization_id: int | None,
    produced_by: User | None,
    programme: str,
    public_base_url: str,
) -> Issued:
    """The stored version of this document if its facts are unchanged, else a new version."""
    digest = facts_sha256(
        {
            "kind": kind,
            "subject": subject,
            "language": language,
            "title": title,
            "covers": covers,
            "issuer": issuer.facts(),
            "facts": dict(facts),
        }
    )
    previous = latest_version(session, kind=kind, subject=subject, language=language)
    if previous is not None and previous.facts_sha256 == digest:
        stored = session.scalar(select(Document.content).where(Document.id == previous.id))
        if stored is not None:
            return Issued(previous, stored)
    code = _unused_code(session)
    issued_at = utcnow()
    version = previous.version + 1 if previous is not None else 1
    with in_language(language):
        issuer_line = issuer.describe()
        content = build_pdf(
            programme=programme,
            title=title,
            covers=covers,
            issuer=issuer_line,
            stamp=Stamp(
                verification_code=code,
                version=version,
                issued_at=issued_at,
                verify_url=f"{public_base_url.rstrip('/')}{VERIFY_PATH}?code={code}",
            ),
            body=render(),
            # Drawn as stored now; a logo changed later shows on the next version issued.
            logo=issuer_logo(session, issuer),
        )
    document = Document(
        kind=kind,
        title=title[:300],
        subject=subject[:100],
        language=language,
        facts_sha256=digest,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        content=content,
        version=version,
        supersedes_id=previous.id if previous is not None else None,
        verification_code=code,
        covers=covers[:500],
        issuer_name=issuer_line[:500],
        issuer_organization_id=issuer.organization_id,
        organization_id=organization_id,
        produced_by=produced_by.id if produced_by else None,
        issued_at=issued_at,
    )
    try:
        with session.begin_nested():
            session.add(document)
            session.flush()  # the id a next version supersedes; unique version, code, successor
    except IntegrityError as exc:
        # Another request issued this version meanwhile: serve it if it says the same.
        current = latest_version(session, kind=kind, subject=subject, language=language)
        if current is not None and current.facts_sha256 == digest and current.content:
            return Issued(current, current.content)
        raise Conflict(
            "document_changed_meanwhile",
            N_("the document was issued again meanwhile; download it again"),
        ) from exc
    return Issued(document, content)


@dataclass(frozen=True)
class Verification:
    """What anyone holding a copy may learn of it: nothing of its owner beyond the document."""

    document: Document
    latest: Document

    def facts(self) -> dict[str, Any]:
        """The answer of the public check, as JSON."""
        document = self.document
        return {
            "found": True,
            "kind": document.kind,
            "title": document.title,
            "covers": document.covers,
            "issuer": document.issuer_name,
            "issued_at": document.issued_at.isoformat(),
            "language": document.language,
            "version": document.version,
            "verification_code": grouped(document.verification_code),
            "sha256": document.sha256,
            "superseded": self.latest.id != document.id,
            "latest_version": self.latest.version,
            "latest_issued_at": self.latest.issued_at.isoformat(),
        }


def _verification(session: Session, document: Document | None) -> Verification | None:
    if document is None:
        return None
    latest = latest_version(
        session, kind=document.kind, subject=document.subject, language=document.language
    )
    return Verification(document, latest or document)


def verify_code(session: Session, *, code: str) -> Verification | None:
    """The document issued with this (normalised) verification code, if any."""
    found = session.scalar(select(Document).where(Document.verification_code == code))
    return _verification(session, found)


def verify_sha256(session: Session, *, sha256: str) -> Verification | None:
    """The document whose bytes have this SHA-256, if any (the first issued, if recorded twice)."""
    found = session.scalar(
        select(Document)
        .where(Document.sha256 == sha256.strip().lower())
        .order_by(Document.id)
        .limit(1)
    )
    return _verification(session, found)


def verify_copy(session: Session, *, content: bytes) -> tuple[str, Verification | None]:
    """An uploaded copy's SHA-256 and the document it is byte for byte, if any."""
    digest = hashlib.sha256(content).hexdigest()
    return digest, verify_sha256(session, sha256=digest)
