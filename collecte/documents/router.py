"""JSON API for certificates (PDF) and the public check of a document by its code or SHA-256."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from collecte.auth.deps import CurrentUser, SettingsDep
from collecte.config import Settings
from collecte.core.db import SessionDep
from collecte.core.errors import InvalidInput, NotFound
from collecte.core.schemas import IdPath, IdQuery
from collecte.core.vocabulary import N_
from collecte.devices import certificates
from collecte.devices.service import get_device
from collecte.documents.codes import normalize_code
from collecte.documents.service import Issued, verify_code, verify_sha256
from collecte.orgs.models import OrgKind
from collecte.orgs.service import get_organization

router = APIRouter(prefix="/api/v1", tags=["documents"])

Lang = Annotated[
    Literal["fr", "en"] | None,
    Query(description="The document's language; default COLLECTE_DEFAULT_LANGUAGE."),
]


# What a document download publishes beyond the statuses every operation gets from its shape
# (collecte.core.openapi): the stored PDF, or 409, since a document is issued when first asked
# for, which the state may not allow yet (no verified erasure, a pickup not collected), and
# another request may have issued a different version meanwhile.
ISSUED_PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The issued PDF", "content": {"application/pdf": {}}},
    409: {"description": "Not issuable in the current state, or issued again meanwhile"},
}


def api_language(settings: Settings, lang: str | None) -> str:
    """The language an API download asked for, else the configured default."""
    return lang or settings.default_language


def pdf_response(issued: Issued, filename: str) -> Response:
    """The stored bytes of an issued document, with their recorded fingerprint."""
    return Response(
        issued.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "X-Document-SHA256": issued.document.sha256,
            "X-Document-Version": str(issued.document.version),
        },
    )


@router.get(
    "/devices/{code}/erasure-certificate.pdf",
    response_class=Response,
    responses=ISSUED_PDF_RESPONSES,
)
def device_erasure_certificate(
    code: str, session: SessionDep, viewer: CurrentUser, settings: SettingsDep, lang: Lang = None
) -> Response:
    """The erasure certificate of one device (409 until its storage is verified erased)."""
    device = get_device(session, viewer=viewer, raw_code=code)
    issued = certificates.device_certificate(
        session,
        device=device,
        actor=viewer,
        settings=settings,
        language=api_language(settings, lang),
    )
    return pdf_response(issued, f"erasure-certificate-{device.code}.pdf")


@router.get(
    "/organizations/{donor_id}/erasure-certificate.pdf",
    response_class=Response,
    responses=ISSUED_PDF_RESPONSES,
)
def donor_erasure_certificate(
    donor_id: IdPath,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    pickup_id: IdQuery = None,
    lang: Lang = None,
) -> Response:
    """The batch erasure certificate of a donor's devices (optionally one pickup's): one row per storage."""
    donor = get_organization(session, viewer=viewer, organization_id=donor_id)
    if donor.kind is not OrgKind.DONOR:
        raise NotFound("not_found", N_("no donor %(donor)s"), donor=donor_id)
    issued = certificates.donor_batch_certificate(
        session,
        viewer=viewer,
        donor=donor,
        pickup_id=pickup_id,
        settings=settings,
        language=api_language(settings, lang),
    )
    return pdf_response(issued, f"erasure-certificate-donor-{donor.id}.pdf")


@router.get(
    "/documents/verify",
    responses={404: {"description": "No document was issued with this code or fingerprint"}},
)
def verify_document(
    session: SessionDep,
    code: Annotated[str | None, Query(max_length=40, description="The printed code.")] = None,
    sha256: Annotated[str | None, Query(pattern=r"^[0-9a-fA-F]{64}$")] = None,
) -> dict[str, Any]:
    """Public: whether a document with this verification code or SHA-256 was issued, and what it is."""
    if code is not None and sha256 is None:
        normalized = normalize_code(code)
        if normalized is None:
            raise InvalidInput(
                "invalid_verification_code",
                N_("a verification code is 12 characters: XXXX-XXXX-XXXX"),
            )
        found = verify_code(session, code=normalized)
    elif sha256 is not None and code is None:
        found = verify_sha256(session, sha256=sha256)
    else:
        raise InvalidInput("code_or_sha256", N_("give either code or sha256"))
    if found is None:
        raise NotFound("not_found", N_("no document was issued with this code or fingerprint"))
    return found.facts()
