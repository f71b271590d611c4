"""Where a pickup is: the geocoder asked before the request's transaction, and a planner's correction.

A write request's transaction begins with its session (``collecte.core.db``: on SQLite it takes
the write lock), and the session opens with the first dependency that needs it (the signed-in
user). The dependencies here need no session: declared before it in a route, they ask the
geocoder first, so that no transaction ever waits on the network. They ask only for a caller
whose credentials hold without the database (a valid bearer token, a signed session cookie);
the route checks the account itself afterwards, as always.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple, Self

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from collecte.auth.deps import SESSION_USER_KEY, SettingsDep, bearer_token, token_claims
from collecte.auth.models import User
from collecte.core.errors import Conflict
from collecte.core.events import EventKind, PickupUpdatedPayload
from collecte.core.forms import FormDep, form_texts
from collecte.core.schemas import Latitude, Longitude
from collecte.core.vocabulary import N_
from collecte.geo.communes import commune_centre
from collecte.geo.geocoder import locate_address
from collecte.geo.position import Position, given_position, place
from collecte.pickups.models import Pickup
from collecte.pickups.policy import require_position_change
from collecte.pickups.schemas import PickupCreate, PickupUpdate
from collecte.pickups.service import record_pickup_event


class LocatedBooking(NamedTuple):
    body: PickupCreate
    found: Position | None


def located_booking(body: PickupCreate, request: Request, settings: SettingsDep) -> LocatedBooking:
    """The API's booking, and where its address is (asked before the transaction)."""
    token_claims(settings, bearer_token(request))  # 401 before anything is asked of anyone
    if body.latitude is not None or body.longitude is not None:
        return LocatedBooking(body, None)  # the coordinates given win
    found = locate_address(settings, address=body.address, postcode=body.postcode, city=body.city)
    return LocatedBooking(body, found)


class LocatedUpdate(NamedTuple):
    body: PickupUpdate
    found: Position | None


def located_update(body: PickupUpdate, request: Request, settings: SettingsDep) -> LocatedUpdate:
    """The API's edit, and where its new address is when it gives one whole (address and postcode);
    a part alone moves the pickup to its commune's centre (the service decides)."""
    token_claims(settings, bearer_token(request))
    if not (body.address and body.postcode):
        return LocatedUpdate(body, None)
    found = locate_address(
        settings, address=body.address, postcode=body.postcode, city=body.city or ""
    )
    return LocatedUpdate(body, found)


def posted_position(request: Request, form: FormDep, settings: SettingsDep) -> Position | None:
    """Where the address of a posted booking or edit form is, for a signed-in visitor."""
    if not isinstance(request.session.get(SESSION_USER_KEY), int):
        return None  # the page sends the visitor to sign in
    typed = form_texts(form, ("address", "postcode", "city"))
    if not (typed["address"] and typed["postcode"]):
        return None
    return locate_address(settings, **typed)


LocatedBookingDep = Annotated[LocatedBooking, Depends(located_booking)]
LocatedUpdateDep = Annotated[LocatedUpdate, Depends(located_update)]
PostedPosition = Annotated[Position | None, Depends(posted_position)]


class PositionIn(BaseModel):
    """A position set by hand: coordinates, or back to the centre of the pickup's commune."""

    model_config = ConfigDict(extra="forbid")

    latitude: Latitude | None = None
    longitude: Longitude | None = None
    commune_centre: bool = Field(
        default=False, description="Use the centre of the postcode's commune (approximate)."
    )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        given = self.latitude is not None and self.longitude is not None
        if given == self.commune_centre:
            raise ValueError("give latitude and longitude, or commune_centre: true")
        return self


def correct_position(
    session: Session, *, viewer: User, pickup: Pickup, correction: PositionIn
) -> Pickup:
    """Set a pickup's position by hand, or back to its commune's centre (a planner)."""
    require_position_change(viewer, pickup)
    position = (
        commune_centre(pickup.postcode)
        if correction.commune_centre
        else given_position(correction.latitude, correction.longitude)
    )
    if position is None:
        raise Conflict(
            "no_commune_centre",
            N_("no commune centre is known for postcode %(postcode)s"),
            postcode=pickup.postcode,
        )
    place(pickup, position)
    record_pickup_event(
        session,
        pickup=pickup,
        actor=viewer,
        kind=EventKind.PICKUP_UPDATED,
        payload=PickupUpdatedPayload(fields=["position"]),
        note=position.source.value,
    )
    return pickup
