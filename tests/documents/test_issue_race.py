"""Two requests issuing the same document at once: one version is stored, both get its bytes;
and the issuing workshop's logo in the header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pypdfium2 import PdfDocument
from reportlab.platypus import Paragraph
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.documents import service
from collecte.documents.issuer import programme_issuer, workshop_issuer
from collecte.documents.models import Document
from collecte.orgs.models import Organization
from tests.factories.accounts import make_organization
from tests.orgs.images import image_bytes


def _issue(db: Session, facts: dict[str, str]) -> service.Issued:
    return service.issue_document(
        db,
        kind="test_note",
        subject="race:1",
        language="fr",
        title="Note",
        covers="a test",
        facts=facts,
        render=lambda: [Paragraph("bonjour")],
        issuer=programme_issuer("Collecte"),
        organization_id=None,
        produced_by=None,
        programme="Collecte",
        public_base_url="http://127.0.0.1:8000",
    )


def test_a_version_issued_meanwhile_is_served_not_duplicated(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _issue(db, {"text": "bonjour"})
    # The second request read "no version yet" before the first committed.
    monkeypatch.setattr(service, "latest_version", _none_then(service.latest_version))
    second = _issue(db, {"text": "bonjour"})
    assert second.content == first.content
    count = db.scalar(
        select(func.count()).select_from(Document).where(Document.kind == "test_note")
    )
    assert count == 1


def _none_then(real: Callable[..., Document | None]) -> Callable[..., Document | None]:
    calls = {"n": 0}

    def latest(*args: Any, **kwargs: Any) -> Document | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(*args, **kwargs)

    return latest


def test_a_workshop_logo_is_drawn_in_the_header(db: Session) -> None:
    """A workshop with a logo has it in its documents' header; one without, none."""
    workshop = make_organization(db)
    plain = _issue_for(db, workshop, "plain")
    assert b"/Subtype /Image" not in plain.content
    workshop.logo, workshop.logo_media_type = image_bytes("JPEG", (300, 100)), "image/jpeg"
    db.flush()
    with_logo = _issue_for(db, workshop, "logo")
    assert b"/Subtype /Image" in with_logo.content
    assert "Note" in PdfDocument(with_logo.content)[0].get_textpage().get_text_range()


def _issue_for(db: Session, workshop: Organization, subject: str) -> service.Issued:
    return service.issue_document(
        db,
        kind="test_note",
        subject=f"logo:{subject}",
        language="fr",
        title="Note",
        covers="a test",
        facts={},
        render=lambda: [Paragraph("bonjour")],
        issuer=workshop_issuer(workshop),
        organization_id=workshop.id,
        produced_by=None,
        programme="Collecte",
        public_base_url="http://127.0.0.1:8000",
    )
