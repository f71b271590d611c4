"""JSON API for certificates (PDF) and for verifying a document by its SHA-256."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from collecte.auth.deps import CurrentUser, SettingsDep
from collecte.core.db import SessionDep
from collecte.core.errors import NotFound
from collecte.core.schemas import IdPath, IdQuery
from collecte.devices import certificates
from collecte.devices.service import get_device
from collecte.documents.models import Document
from collecte.documents.service import find_document
from collecte.orgs.models import OrgKind
from collecte.orgs.service import get_organization

router = APIRouter(prefix="/api/v1", tags=["documents"])


def pdf_response(content: bytes, document: Document, filename: str) -> Response:
    """A PDF download that also tells its recorded fingerprint."""
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "X-Document-SHA256": document.sha256,
        },
    )


@router.get("/devices/{code}/erasure-certificate.pdf", response_class=Response)
def device_erasure_certificate(
    code: str, session: SessionDep, viewer: CurrentUser, settings: SettingsDep
) -> Response:
    """The erasure certificate of one device (409 until its storage is verified erased)."""
    device = get_device(session, viewer=viewer, raw_code=code)
    content, document = certificates.device_certificate(
        session, device=device, actor=viewer, programme=settings.programme_name
    )
    return pdf_response(content, document, f"erasure-certificate-{device.code}.pdf")


@router.get("/organizations/{donor_id}/erasure-certificate.pdf", response_class=Response)
def donor_erasure_certificate(
    donor_id: IdPath,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    pickup_id: IdQuery = None,
) -> Response:
    """The batch erasure certificate of a donor's devices (optionally one pickup's): one row per storage."""
    donor = get_organization(session, viewer=viewer, organization_id=donor_id)
    if donor.kind is not OrgKind.DONOR:
        raise NotFound(f"no donor {donor_id}")
    content, document = certificates.donor_batch_certificate(
        session, viewer=viewer, donor=donor, pickup_id=pickup_id, programme=settings.programme_name
    )
    return pdf_response(content, document, f"erasure-certificate-donor-{donor.id}.pdf")


@router.get("/documents/verify")
def verify_document(
    session: SessionDep,
    viewer: CurrentUser,
    sha256: Annotated[str, Query(pattern=r"^[0-9a-fA-F]{64}$")],
) -> dict[str, Any]:
    """Whether a document with this SHA-256 was produced here (and what it was)."""
    document = find_document(session, viewer=viewer, sha256=sha256)
    if document is None:
        return {"found": False, "sha256": sha256.lower()}
    return {
        "found": True,
        "sha256": document.sha256,
        "kind": document.kind,
        "title": document.title,
        "produced_at": document.produced_at.isoformat(),
    }
