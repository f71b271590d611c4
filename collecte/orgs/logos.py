"""An organisation's logo: a PNG or JPEG of bounded size, checked to be the image it claims to be
before it is stored, then served and printed as stored."""

from __future__ import annotations

import io
import warnings

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.errors import InvalidInput, NotFound
from collecte.core.vocabulary import N_
from collecte.orgs.models import Organization
from collecte.orgs.service import get_organization

MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_SIDE = 4000  # pixels: a logo, not a poster (and no decompression bomb)
# The file's first bytes, which decide its type (never its name nor the type the client claims).
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


def _not_an_image() -> InvalidInput:
    return InvalidInput("logo_not_an_image", N_("the logo must be a PNG or JPEG image"))


def logo_media_type(raw: bytes) -> str:
    """The media type of an acceptable logo, or invalid input saying what is wrong with it."""
    if len(raw) > MAX_LOGO_BYTES:
        raise InvalidInput(
            "logo_too_large",
            N_("the logo is larger than %(limit)s KB"),
            limit=MAX_LOGO_BYTES // 1024,
        )
    media_type = next((t for sig, t in SIGNATURES.items() if raw.startswith(sig)), None)
    if media_type is None:
        raise _not_an_image()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=[PIL_FORMATS[media_type]]) as image:
                width, height = image.size
                if max(width, height) > MAX_LOGO_SIDE:
                    raise InvalidInput(
                        "logo_too_wide",
                        N_("the logo is larger than %(side)s pixels on a side"),
                        side=MAX_LOGO_SIDE,
                    )
                image.load()  # decodes every byte: a truncated or forged file fails here
    except InvalidInput:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as exc:
        raise _not_an_image() from exc
    return media_type


def set_logo(session: Session, *, viewer: User, organization_id: int, raw: bytes) -> Organization:
    """Store an organisation's logo (replacing any), once it is known to be a PNG or JPEG."""
    organization = get_organization(session, viewer=viewer, organization_id=organization_id)
    organization.logo_media_type = logo_media_type(raw)
    organization.logo = raw
    session.flush()  # the response reads the row as stored
    return organization


def remove_logo(session: Session, *, viewer: User, organization_id: int) -> Organization:
    """Take an organisation's logo away (its documents already issued keep theirs)."""
    organization = get_organization(session, viewer=viewer, organization_id=organization_id)
    organization.logo_media_type = None
    organization.logo = None
    session.flush()  # the response reads the row as stored
    return organization


def read_logo(session: Session, *, viewer: User, organization_id: int) -> tuple[bytes, str]:
    """The bytes and media type of the logo of an organisation the viewer may read."""
    organization = get_organization(session, viewer=viewer, organization_id=organization_id)
    stored = stored_logo(session, organization.id)
    if stored is None:
        raise NotFound(
            "no_logo",
            N_("organisation %(organization)s has no logo"),
            organization=organization_id,
        )
    return stored


def stored_logo(session: Session, organization_id: int) -> tuple[bytes, str] | None:
    """An organisation's logo as stored, if it has one (no visibility check: for documents)."""
    row = session.execute(
        select(Organization.logo, Organization.logo_media_type).where(
            Organization.id == organization_id
        )
    ).one_or_none()
    if row is None or row.logo is None or row.logo_media_type is None:
        return None
    return row.logo, row.logo_media_type
