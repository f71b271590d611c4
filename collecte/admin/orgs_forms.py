"""What the organisation and site pages share: the operator-only check, and the forms read into
the API's own schemas (so a page refuses what the API refuses, with the same words, beside the
field). Nothing here decides a rule: ``collecte.orgs.schemas`` and ``collecte.orgs.service`` do."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from collecte.auth.models import Role, User
from collecte.core.errors import Forbidden, InvalidInput
from collecte.core.forms import decimal, form_texts
from collecte.core.vocabulary import N_
from collecte.orgs.models import Organization, OrgKind, Site

ORG_FIELDS = (
    "name",
    "legal_name",
    "kind",
    "siret",
    "address",
    "postcode",
    "city",
    "territories_served",
    "impact_public",
)
SITE_FIELDS = ("name", "address", "postcode", "city", "latitude", "longitude")
# One served département: its code, then optionally ":" and its priority ("69", "2A:2").
_SERVED = re.compile(r"^([0-9A-Za-z]{2,3})(?::([0-9]{1,2}))?$")


# A service refusal about one field is shown beside it (the others above the form).
FIELD_OF_CODE = {
    "invalid_postcode": "postcode",
    "unknown_postcode": "postcode",
    "unknown_territory": "territories_served",
    "territory_listed_twice": "territories_served",
    "served_not_understood": "territories_served",
    "partial_coordinates": "latitude",
}


def require_operator(user: User) -> None:
    """Organisations and sites are administered by the operator only (403 for anyone else)."""
    if user.role is not Role.ADMIN:
        raise Forbidden(
            "may_not_administer",
            N_("a %(role)s may not administer organisations and sites"),
            role=user.role,
        )


def parse_served(text: str) -> list[dict[str, Any]]:
    """The served départements as typed: codes separated by commas or spaces, each optionally
    followed by ":" and its priority (1 when left out): "69, 01, 38:2"."""
    items: list[dict[str, Any]] = []
    for token in re.split(r"[\s,;]+", text.strip()):
        if not token:
            continue
        match = _SERVED.match(token)
        if match is None:
            raise InvalidInput(
                "served_not_understood",
                N_("%(item)s is not a département code, optionally followed by :priority"),
                item=token,
            )
        code, priority = match.groups()
        items.append({"territory": code, "priority": int(priority) if priority else 1})
    return items


def served_text(organization: Organization) -> str:
    """A workshop's served départements as the form shows them ("69, 01, 38:2")."""
    priorities = organization.territory_priorities
    return ", ".join(
        code if priorities[code] == 1 else f"{code}:{priorities[code]}"
        for code in organization.territories_served
    )


def read_org_form(form: FormData) -> dict[str, str]:
    values = form_texts(form, ORG_FIELDS)
    values["impact_public"] = "yes" if values["impact_public"] else ""
    return values


def org_values(organization: Organization) -> dict[str, str]:
    """An organisation as its edit form shows it."""
    return {
        "name": organization.name,
        "legal_name": organization.legal_name or "",
        "kind": organization.kind.value,
        "siret": organization.siret or "",
        "address": organization.address,
        "postcode": organization.postcode,
        "city": organization.city,
        "territories_served": served_text(organization),
        "impact_public": "yes" if organization.impact_public else "",
    }


def org_body(values: dict[str, str], *, creating: bool) -> dict[str, Any]:
    """The form as the body of ``OrganizationCreate`` or ``OrganizationUpdate``: an empty legal
    name or SIRET is none; served départements only for a workshop."""
    body: dict[str, Any] = {name: values[name] for name in ("name", "address", "postcode", "city")}
    body["legal_name"] = values["legal_name"] or None
    body["siret"] = values["siret"] or None
    body["impact_public"] = values["impact_public"] == "yes"
    if creating:
        body["kind"] = values["kind"]
    if values["kind"] == OrgKind.WORKSHOP.value:
        body["territories_served"] = parse_served(values["territories_served"])
    return body


def read_site_form(form: FormData) -> dict[str, str]:
    return form_texts(form, SITE_FIELDS)


def site_values(site: Site) -> dict[str, str]:
    """A site as its edit form shows it."""
    return {
        "name": site.name,
        "address": site.address,
        "postcode": site.postcode,
        "city": site.city,
        "latitude": "" if site.latitude is None else str(site.latitude),
        "longitude": "" if site.longitude is None else str(site.longitude),
    }


def site_body(values: dict[str, str]) -> dict[str, Any]:
    """The form as the body of ``SiteCreate`` or ``SiteUpdate`` (an empty coordinate is none;
    a French decimal comma is read as a point)."""
    body: dict[str, Any] = {name: values[name] for name in ("name", "address", "postcode", "city")}
    for name in ("latitude", "longitude"):
        body[name] = decimal(values[name]) if values[name] else None
    return body
