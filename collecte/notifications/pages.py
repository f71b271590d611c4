"""The outbox page: every email Collecte queued, by state (queued, sent, failed), with a search,
pages, and "send again" for a message not delivered yet. Read as the API reads it: the operator
everything, a coordinator the messages about its own pickups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from collecte.auth.deps import WebUser
from collecte.core.db import SessionDep
from collecte.core.forms import FormDep, form_texts, local_time, translate
from collecte.core.listing import choice, page_of
from collecte.core.schemas import IdPath
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, render, require_csrf, safe_next
from collecte.notifications.models import OutboxState
from collecte.notifications.policy import require_outbox_reader
from collecte.notifications.service import filtered_messages, resend_message

router = APIRouter(include_in_schema=False)

DONE = {"resent": N_("The message is queued again: the next sending run tries it.")}


@router.get("/outbox", response_class=HTMLResponse)
def outbox(
    request: Request,
    session: SessionDep,
    user: WebUser,
    state: Annotated[str, Query(max_length=10)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=200_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The outbox, newest first, by state and search, in pages of 50."""
    require_outbox_reader(user)
    query = filtered_messages(viewer=user, state=choice(OutboxState, state), q=q)
    params = {"state": state, "q": q}
    listing = page_of(session, query, number=page, path="/outbox", params=params)

    message = DONE.get(done)
    return render(
        request,
        "notifications/outbox.html",
        user=user,
        listing=listing,
        params=params,
        filtered=any(params.values()),
        states=list(OutboxState),
        local_time=local_time,
        done=translate(request, message) if message else "",
    )


@router.post("/outbox/{message_id}/resend", dependencies=[Depends(require_csrf)])
def resend(session: SessionDep, user: WebUser, message_id: IdPath, form: FormDep) -> Response:
    """Queue the message again for the next sending run (the API's resend)."""
    resend_message(session, viewer=user, message_id=message_id)
    back = safe_next(form_texts(form, ("next",))["next"] or "/outbox")
    if not back.startswith("/outbox"):
        back = "/outbox"
    separator = "&" if "?" in back else "?"
    return redirect(f"{back}{separator}done=resent")
