"""Emails to the partner about its request: approved, rejected (with the reason), a shipment of it
dispatched. They go to the person who filed the request, in the configured default language (an
account has no language of its own yet).

The subscriber reads what the event says (its payload, its time) rather than the request or the
shipment: the services write the event before they finish updating the rows.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.events import Event, EventKind, subscribe
from collecte.notifications import emails
from collecte.notifications.emails import render_email
from collecte.notifications.service import queue_email
from collecte.orgs.models import Organization
from collecte.requests.models import EquipmentRequest, RequestLine
from collecte.shipments.models import Shipment


@cache
def _language() -> str:
    # Read once: the emails are queued inside services, which are not handed the settings.
    return Settings().default_language


@subscribe(EventKind.REQUEST_APPROVED, EventKind.REQUEST_REJECTED, EventKind.SHIPMENT_DISPATCHED)
def on_event(session: Session, event: Event) -> None:
    """The email each of these events calls for, to the partner's requester."""
    if event.request_id is None:
        return
    request = session.get_one(EquipmentRequest, event.request_id)
    requester = session.get(User, request.requested_by) if request.requested_by else None
    if requester is None or not requester.active:
        return  # nobody to tell, or an account closed since: its mailbox may be someone else's
    workshop = session.get_one(Organization, request.workshop_id)
    language = _language()
    common = {"request": request, "person": requester.full_name, "workshop": workshop.name}
    if event.kind is EventKind.SHIPMENT_DISPATCHED:
        if event.shipment_id is None:
            return
        shipment = session.get_one(Shipment, event.shipment_id)
        key = f"shipment:{shipment.id}:dispatched"
        subject, body = render_email(
            "shipment_dispatched",
            language,
            **common,
            shipment=shipment,
            count=emails.number(int(event.payload.get("devices", 0)), language),
            day=emails.day(event.occurred_at, language),
        )
    elif event.kind is EventKind.REQUEST_APPROVED:
        key = f"request:{request.id}:approved"
        asked = session.scalar(
            select(func.coalesce(func.sum(RequestLine.quantity), 0)).where(
                RequestLine.request_id == request.id
            )
        )
        subject, body = render_email(
            "request_approved",
            language,
            **common,
            count=emails.number(int(asked or 0), language),
            note=str(event.payload.get("note", "")),
        )
    else:
        key = f"request:{request.id}:rejected"
        subject, body = render_email(
            "request_rejected", language, **common, reason=str(event.payload.get("reason", ""))
        )
    queue_email(
        session,
        event_key=key,
        recipient=requester.email,
        subject=subject,
        body=body,
        organization_id=request.partner_id,
    )
