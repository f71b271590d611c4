"""The public /verify page: anyone holding a copy checks it by its code or by uploading it.

It answers only what the document itself says (what it covers, who issued it, when, its version
and whether a newer one supersedes it): a verifier learns nothing else of the document's owner.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from collecte.auth.deps import OptionalWebUser
from collecte.core.db import SessionDep
from collecte.core.forms import FormDep, form_upload, local_time, read_upload
from collecte.core.vocabulary import N_
from collecte.core.web import render
from collecte.documents.codes import grouped, normalize_code
from collecte.documents.service import Verification, verify_code, verify_copy

router = APIRouter(include_in_schema=False)

KINDS = {
    "collection_proof": N_("Collection proof"),
    "erasure_certificate": N_("Erasure certificate (device)"),
    "erasure_certificate_batch": N_("Erasure certificate (batch)"),
    "run_sheet": N_("Run sheet"),
    "delivery_note": N_("Delivery note"),
    "handover_receipt": N_("Hand-over receipt"),
    "impact_report": N_("Impact report"),
    "csr_report": N_("CSR impact report"),
}


def _page(
    request: Request,
    user: object,
    *,
    status_code: int = 200,
    verification: Verification | None = None,
    **context: Any,
) -> HTMLResponse:
    return render(
        request,
        "documents/verify.html",
        status_code=status_code,
        user=user,
        found=verification.document if verification else None,
        latest=verification.latest if verification else None,
        kinds=KINDS,
        grouped=grouped,
        local_time=local_time,
        **context,
    )


@router.get("/verify", response_class=HTMLResponse)
def verify_page(
    request: Request,
    session: SessionDep,
    user: OptionalWebUser,
    code: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """Check a document by the verification code printed on it (or read from its QR code)."""
    if not code.strip():
        return _page(request, user)
    normalized = normalize_code(code)
    if normalized is None:
        return _page(request, user, status_code=422, code=code, outcome="malformed")
    found = verify_code(session, code=normalized)
    if found is None:
        return _page(request, user, status_code=404, code=code, outcome="unknown")
    return _page(request, user, code=grouped(normalized), outcome="genuine", verification=found)


@router.post("/verify", response_class=HTMLResponse)
def verify_upload(
    request: Request, session: SessionDep, user: OptionalWebUser, form: FormDep
) -> HTMLResponse:
    """Check an uploaded copy: genuine only if it is, byte for byte, a document issued here."""
    upload = form_upload(form, "file")
    if upload is None:
        return _page(request, user, status_code=422, outcome="no_file")
    content = read_upload(upload)
    if content is None:
        return _page(request, user, status_code=413, outcome="too_large")
    digest, found = verify_copy(session, content=content)
    if found is None:
        return _page(request, user, status_code=404, sha256=digest, outcome="not_genuine")
    return _page(request, user, sha256=digest, outcome="genuine", verification=found)
