"""Record each produced document's fingerprint; verify a copy later by its SHA-256."""

from __future__ import annotations

import hashlib

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.documents.models import Document


def record_document(
    session: Session,
    *,
    kind: str,
    title: str,
    subject: str,
    content: bytes,
    organization_id: int | None,
    produced_by: User | None,
) -> Document:
    """Fingerprint a produced file so that a copy can be checked against it later."""
    document = Document(
        kind=kind,
        title=title[:300],
        subject=subject,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        organization_id=organization_id,
        produced_by=produced_by.id if produced_by else None,
    )
    session.add(document)
    return document


def find_document(session: Session, *, viewer: User, sha256: str) -> Document | None:
    """The recorded document with this fingerprint, if the viewer may know of it."""
    query = select(Document).where(Document.sha256 == sha256.strip().lower()).order_by(Document.id)
    if viewer.role not in (Role.ADMIN, Role.AUDITOR):
        query = query.where(
            or_(
                Document.organization_id == viewer.organization_id,
                Document.produced_by == viewer.id,
            )
        )
    return session.scalar(query.limit(1))
