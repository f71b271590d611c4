"""Where a new site is: its coordinates given, else the geocoder's (asked before the request's
transaction, as for pickups: collecte.pickups.positions), else its commune's centre."""

from __future__ import annotations

from typing import Annotated, NamedTuple

from fastapi import Depends, Request

from collecte.auth.deps import SESSION_USER_KEY, SettingsDep, bearer_token, token_claims
from collecte.core.forms import FormDep, form_texts
from collecte.geo.geocoder import locate_address
from collecte.geo.position import Position, given_position
from collecte.orgs.schemas import SiteCreate, SiteUpdate


class LocatedSite(NamedTuple):
    body: SiteCreate
    position: Position | None


def located_site(body: SiteCreate, request: Request, settings: SettingsDep) -> LocatedSite:
    """The API's new site and where the geocoder found its address, when it gives no coordinates
    (a dependency declared before the session; the service places coordinates given itself)."""
    token_claims(settings, bearer_token(request))  # 401 before anything is asked of anyone
    if given_position(body.latitude, body.longitude) is not None:
        return LocatedSite(body, None)
    found = locate_address(settings, address=body.address, postcode=body.postcode, city=body.city)
    return LocatedSite(body, found)


class LocatedSiteUpdate(NamedTuple):
    body: SiteUpdate
    found: Position | None


def located_site_update(
    body: SiteUpdate, request: Request, settings: SettingsDep
) -> LocatedSiteUpdate:
    """The API's change of a site, and where its new address is when it gives one whole (address
    and postcode) without coordinates (a dependency declared before the session)."""
    token_claims(settings, bearer_token(request))  # 401 before anything is asked of anyone
    if not (body.address and body.postcode) or body.latitude is not None:
        return LocatedSiteUpdate(body, None)
    found = locate_address(settings, address=body.address, postcode=body.postcode, city=body.city)
    return LocatedSiteUpdate(body, found)


def posted_site_position(request: Request, form: FormDep, settings: SettingsDep) -> Position | None:
    """Where the address of a posted site form is, for a signed-in visitor who typed no
    coordinates (typed coordinates win: the service places them itself)."""
    if not isinstance(request.session.get(SESSION_USER_KEY), int):
        return None  # the page sends the visitor to sign in
    typed = form_texts(form, ("address", "postcode", "city", "latitude", "longitude"))
    if typed["latitude"] or typed["longitude"] or not typed["postcode"]:
        return None
    return locate_address(
        settings, address=typed["address"], postcode=typed["postcode"], city=typed["city"]
    )


LocatedSiteDep = Annotated[LocatedSite, Depends(located_site)]
LocatedSiteUpdateDep = Annotated[LocatedSiteUpdate, Depends(located_site_update)]
PostedSitePosition = Annotated[Position | None, Depends(posted_site_position)]
