"""Every PDF Collecte issues is stored here once, so each later download and each check serve the same bytes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from collecte.core.db import Base
from collecte.core.types import UTCDateTime, utcnow


class Document(Base):
    """One issued version of a document: its bytes, their SHA-256, its verification code."""

    __tablename__ = "documents"
    # One version number per document and language: two concurrent issues cannot both be version n.
    __table_args__ = (
        Index("ix_documents_issue_key", "kind", "subject", "language", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(100), index=True)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    # What the document says (everything but its issue time and code), hashed: the same facts
    # are the same document. NULL for the rows recorded before documents were stored.
    facts_sha256: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    # Deferred: lists and checks read the facts about a document, only a download its bytes.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary()))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Unique: two concurrent re-issues cannot both supersede the same version.
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="RESTRICT"), unique=True
    )
    verification_code: Mapped[str] = mapped_column(String(12), unique=True)
    covers: Mapped[str] = mapped_column(String(500), default="")
    issuer_name: Mapped[str] = mapped_column(String(500), default="")
    issuer_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    # The organisation the document is about or for (the donor, the workshop of a run sheet).
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    produced_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
