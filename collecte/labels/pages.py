"""The label printing page: a stock, codes (pasted, scanned or today's intake), skipped labels."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from collecte.auth.deps import SettingsDep, WebUser
from collecte.auth.models import User
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError, InvalidInput, Reason
from collecte.core.forms import FormDep, ascii_int, form_text, start_of_local_day
from collecte.core.schemas import MAX_ID
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.core.web import render, request_language, require_csrf
from collecte.devices import codes
from collecte.devices.models import Device
from collecte.devices.policy import visible_devices
from collecte.labels import service
from collecte.labels.router import DEFAULT_TEMPLATE, label_response
from collecte.labels.titles import stock_choices
from collecte.orgs.models import Site
from collecte.orgs.policy import visible_sites

router = APIRouter(include_in_schema=False)

# One code per line; commas, semicolons and tabs separate too (a pasted spreadsheet column or
# row). Spaces do not: a grouped code "7K3Q XMT5" is one code.
_SEPARATORS = re.compile(r"[\r\n,;\t]+")


def split_codes(text: str) -> list[str]:
    """The codes typed, pasted or scanned into the box, in order, blanks dropped."""
    return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]


def _received_today(session: Session, user: User, site_id: int) -> list[str]:
    """Codes of the devices received today (workshop time) at a site, in intake order."""
    query = (
        visible_devices(user)
        .where(Device.site_id == site_id, Device.received_at >= start_of_local_day(utcnow()))
        .order_by(Device.id)
    )
    return [d.code for d in session.scalars(query)]


def _print_page(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, str],
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    sites = list(session.scalars(visible_sites(user)))
    return render(
        request,
        "labels/print.html",
        status_code=status_code,
        user=user,
        values=values,
        templates=stock_choices(),
        sites=sites,
        count=len(split_codes(values.get("codes", ""))),
        **context,
    )


def _default_values(template: str = "") -> dict[str, str]:
    return {"codes": "", "template": template or DEFAULT_TEMPLATE, "skip": "0", "site_id": ""}


@router.get("/labels", response_class=HTMLResponse)
def print_form(
    request: Request,
    session: SessionDep,
    user: WebUser,
    codes_: Annotated[str, Query(alias="codes", max_length=50_000)] = "",
    template: Annotated[str, Query(max_length=60)] = "",
) -> HTMLResponse:
    """The print page (codes may come in the address, one per line or comma-separated)."""
    service.require_label_printer(user)
    values = _default_values(template)
    values["codes"] = "\n".join(split_codes(codes_))
    return _print_page(request, session, user, values=values)


@router.post("/labels", dependencies=[Depends(require_csrf)])
def print_labels(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep, form: FormDep
) -> Response:
    """Print the labels (PDF or ZPL), or add today's intake at a site to the list."""
    service.require_label_printer(user)
    values = {k: form_text(form, k) for k in ("codes", "template", "skip", "site_id")}
    wanted = split_codes(values["codes"])
    if form_text(form, "add_today"):
        site = session.scalar(
            visible_sites(user).where(Site.id == ascii_int(values["site_id"], low=1, high=MAX_ID))
        )
        added = _received_today(session, user, site.id) if site else []
        known = {codes.normalise(c) for c in wanted}
        values["codes"] = "\n".join([*wanted, *(c for c in added if c not in known)])
        return _print_page(request, session, user, values=values, added=len(added), added_site=site)
    try:
        skip = ascii_int(values["skip"] or "0", low=0, high=MAX_ID)
        if skip is None:
            raise InvalidInput(
                "skip_not_a_number", N_("the number of used labels to skip is a whole number")
            )
        devices = service.devices_for_labels(session, viewer=user, raw_codes=wanted)
        content, media_type = service.render_device_labels(
            session,
            devices=devices,
            template=values["template"] or DEFAULT_TEMPLATE,
            skip=skip,
            programme=settings.programme_name,
            base_url=settings.public_base_url,
        )
    except CollecteError as exc:
        language = request_language(request)
        listed = exc.params.get("problems")
        return _print_page(
            request,
            session,
            user,
            values=values,
            status_code=exc.status_code,
            error=exc.message(language),
            problems=[p.message(language) for p in listed if isinstance(p, Reason)]
            if isinstance(listed, list)
            else [],
        )
    return label_response(content, media_type, f"labels-{len(devices)}")
