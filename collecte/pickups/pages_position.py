"""A planner corrects a pickup's position on its page: coordinates typed, or the commune's centre."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from collecte.auth.deps import WebUser
from collecte.core.db import SessionDep
from collecte.core.forms import FormDep, decimal, form_texts
from collecte.core.schemas import IdPath
from collecte.core.web import require_csrf
from collecte.pickups import positions, service
from collecte.pickups.pages_pickup import act_on_pickup

router = APIRouter(include_in_schema=False)

POSITION_FIELDS = ("latitude", "longitude", "use")


@router.post("/pickups/{pickup_id}/position", dependencies=[Depends(require_csrf)])
def correct_position(
    request: Request, session: SessionDep, user: WebUser, pickup_id: IdPath, form: FormDep
) -> Response:
    """Set the pickup's position from the coordinates typed, or back to its commune's centre."""
    pickup = service.get_pickup(session, viewer=user, pickup_id=pickup_id)
    values = form_texts(form, POSITION_FIELDS)

    def act() -> None:
        if values["use"] == "commune":
            correction = positions.PositionIn(commune_centre=True)
        else:
            correction = positions.PositionIn.model_validate(
                {
                    name: decimal(values[name]) if values[name] else None
                    for name in ("latitude", "longitude")
                }
            )
        positions.correct_position(session, viewer=user, pickup=pickup, correction=correction)

    return act_on_pickup(request, session, user, pickup, form="position", values=values, action=act)
