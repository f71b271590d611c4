"""The impact dashboard (``GET /impact/dashboard``) and its CSV (``GET /impact/dashboard.csv``):
the figures of the API, scoped by the same service, for the signed-in reader.

The filters come from a GET form whose blank fields arrive as empty strings, so the page reads
them itself and answers a bad value with the form and a message beside the field (422), never a
500; the checks on a well-formed value (the period's range and order, the département) are the
API's (``scope_asked``). A filter naming an organisation or site the reader may not see is a 404,
as in the API. The public page and widget live in ``pages_public``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from collecte.auth.deps import SettingsDep, WebUser
from collecte.auth.models import Role, User
from collecte.auth.policy import NETWORK_WIDE_ROLES, WORKSHOP_ROLES
from collecte.core.db import SessionDep
from collecte.core.errors import InvalidInput
from collecte.core.forms import ascii_int, local_time, translate
from collecte.core.pdf import in_language
from collecte.core.vocabulary import N_
from collecte.core.web import render, request_language
from collecte.impact import display, pages_public, policy, service
from collecte.impact.counters import Scope
from collecte.impact.schemas import ScopeAsked, scope_asked
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.policy import visible_organizations, visible_sites

router = APIRouter(include_in_schema=False)

FIELDS = ("from", "to", "donor_id", "partner_id", "site_id", "territory")
LARGEST_ID = 2**31 - 1
OPTIONS_SHOWN = 500  # a select longer than this is not usable; the filter still takes any id
SCOPE_TEXTS = {
    "network": N_("The whole network's figures."),
    "workshop": N_("Your workshop's figures: the devices it received and what became of them."),
    Role.DONOR.value: N_("The figures of your organisation's devices."),
    Role.PARTNER.value: N_(
        "The devices delivered to your organisation and handed over by it: the other figures "
        "are counted by the workshops."
    ),
}
BAD_DAY = N_("Enter a date as YYYY-MM-DD.")
BAD_CHOICE = N_("Choose from the list.")


@dataclass
class Filters:
    """The filters as typed (to show them again), what they mean, and what is wrong with them."""

    typed: dict[str, str]
    scope: Scope | None = None
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def query(self) -> str:
        """The filters as read, in the API's words (ISO days, the département's code), as a query
        string for the CSV and PDF links ("" for none)."""
        if self.scope is None:
            return ""
        scope = self.scope
        read = {
            "from": scope.date_from.isoformat() if scope.date_from else None,
            "to": scope.date_to.isoformat() if scope.date_to else None,
            "donor_id": scope.donor_id,
            "partner_id": scope.partner_id,
            "site_id": scope.site_id,
            "territory": scope.territory,
        }
        given = {name: value for name, value in read.items() if value is not None}
        return f"?{urlencode(given)}" if given else ""


def _day(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ValueError(text)


def read_filters(request: Request) -> Filters:
    """The dashboard's filters from its query string, checked as the API checks them."""
    typed = {name: request.query_params.get(name, "").strip()[:20] for name in FIELDS}
    filters = Filters(typed)
    days: dict[str, dt.date | None] = {}
    for name in ("from", "to"):
        try:
            days[name] = _day(typed[name]) if typed[name] else None
        except ValueError:
            filters.errors[name] = translate(request, BAD_DAY)
    ids: dict[str, int | None] = {}
    for name in ("donor_id", "partner_id", "site_id"):
        ids[name] = ascii_int(typed[name], low=1, high=LARGEST_ID) if typed[name] else None
        if typed[name] and ids[name] is None:
            filters.errors[name] = translate(request, BAD_CHOICE)
    if filters.errors:
        filters.error = translate(request, N_("Some fields need correcting."))
        return filters
    try:
        filters.scope = scope_asked(
            date_from=days["from"],
            date_to=days["to"],
            donor_id=ids["donor_id"],
            partner_id=ids["partner_id"],
            site_id=ids["site_id"],
            territory=typed["territory"] or None,
        )
    except InvalidInput as exc:
        filters.error = exc.message(request_language(request))
    return filters


def _options(session: Session, user: User) -> dict[str, list[tuple[int, str]]]:
    """The donors, partners and sites the reader may filter by (none for a donor or partner,
    whose own organisation is the scope)."""
    if "donor" not in policy.breakdowns_for(user):
        return {}
    found: dict[str, list[tuple[int, str]]] = {}
    for name, kind in (("donor_id", OrgKind.DONOR), ("partner_id", OrgKind.PARTNER)):
        query = visible_organizations(user).where(Organization.kind == kind)
        rows = session.execute(
            query.with_only_columns(Organization.id, Organization.name).limit(OPTIONS_SHOWN)
        )
        found[name] = [(row[0], row[1]) for row in rows]
    sites = visible_sites(user).with_only_columns(Site.id, Site.name).limit(OPTIONS_SHOWN)
    found["site_id"] = [(row[0], row[1]) for row in session.execute(sites)]
    return found


def _scope_text(user: User) -> str:
    if user.role in NETWORK_WIDE_ROLES:
        return SCOPE_TEXTS["network"]
    if user.role in WORKSHOP_ROLES:
        return SCOPE_TEXTS["workshop"]
    return SCOPE_TEXTS[user.role.value]


@router.get("/impact/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep
) -> HTMLResponse:
    """The impact the reader may see: counters, charts and breakdowns, with filters."""
    filters = read_filters(request)
    context: dict[str, object] = {}
    if filters.scope is not None:
        impact = service.impact_for(session, user, settings, filters.scope)
        answer = service.impact_out(session, user, impact)
        with in_language(request_language(request)):
            context = {
                "answer": answer,
                "cards": display.cards(answer.counters),
                "charts": display.dashboard_charts(answer),
                "tables": display.tables(answer),
                "displacement": display.share(answer.displacement),
            }
    return render(
        request,
        "impact/dashboard.html",
        status_code=200 if filters.scope is not None else 422,
        user=user,
        filters=filters,
        options=_options(session, user),
        scope_text=translate(request, _scope_text(user)),
        local_time=local_time,
        **context,
    )


@router.get("/impact/dashboard.csv")
def dashboard_csv(
    request: Request, session: SessionDep, user: WebUser, settings: SettingsDep, asked: ScopeAsked
) -> Response:
    """The dashboard's figures as CSV, for the same filters (the API's impact.csv), its note in
    the reader's language."""
    impact = service.impact_for(session, user, settings, asked)
    with in_language(request_language(request)):
        text = service.csv_text(service.impact_out(session, user, impact))
    return Response(
        text.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="impact.csv"'},
    )


router.include_router(pages_public.router)
