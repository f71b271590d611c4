"""The partner's emails: its request approved, rejected, a shipment of it dispatched — one email
each, to the person who filed the request, and nothing for the other steps."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.config import Settings
from collecte.notifications.models import OutboxMessage
from collecte.requests import service
from collecte.requests.lifecycle import CancelReason
from collecte.shipments import service as shipments
from tests.factories.accounts import auth_headers
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow


@pytest.fixture
def flow(db: Session) -> PartnerFlow:
    flow = PartnerFlow(Workshop(db))
    flow.workshop.organization.name = "Atelier du Canal"
    flow.partner_user.full_name = "Camille Roche"
    db.flush()
    return flow


def _outbox(db: Session) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_approval_emails_the_requester_once(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    request = flow.request(
        [{"category": "laptop", "quantity": 3}, {"category": "tablet", "quantity": 2}],
        approve=False,
    )
    assert _outbox(db) == []  # filing a request tells nobody by email
    response = client.post(
        f"/api/v1/requests/{request.id}/approve",
        json={"note": "livraison en janvier"},
        headers=auth_headers(settings, flow.coordinator),
    )
    assert response.status_code == 200, response.text
    (message,) = _outbox(db)
    assert message.recipient == flow.partner_user.email
    assert message.event_key == f"request:{request.id}:approved"
    assert message.organization_id == flow.partner.id
    assert message.subject == f"Demande n° {request.id} acceptée"
    assert "Bonjour Camille Roche," in message.body
    assert f"Votre demande n° {request.id} (5 appareil(s)) a été acceptée par Atelier du Canal" in (
        message.body
    )
    assert "Note de l'atelier : livraison en janvier" in message.body


def test_a_rejection_emails_the_reason(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    request = flow.request(approve=False)
    response = client.post(
        f"/api/v1/requests/{request.id}/reject",
        json={"reason": "hors de notre territoire"},
        headers=auth_headers(settings, flow.coordinator),
    )
    assert response.status_code == 200, response.text
    (message,) = _outbox(db)
    assert message.recipient == flow.partner_user.email
    assert message.subject == f"Demande n° {request.id} non acceptée"
    assert "n'a pas été acceptée par Atelier du Canal" in message.body
    assert "Motif : hors de notre territoire" in message.body


def test_a_dispatch_emails_the_requester_and_the_rest_of_the_flow_does_not(
    db: Session, flow: PartnerFlow
) -> None:
    devices = flow.available(2)
    request = flow.request([{"category": "laptop", "quantity": 2}])
    codes = flow.allocate(request)
    shipment = shipments.create_shipment(
        db, viewer=flow.coordinator, request_id=request.id, device_codes=codes, carrier="Coursier"
    )
    assert [m.event_key for m in _outbox(db)] == [f"request:{request.id}:approved"]
    shipments.dispatch_shipment(db, viewer=flow.coordinator, shipment=shipment)
    _approved, dispatched = _outbox(db)
    assert dispatched.recipient == flow.partner_user.email
    assert dispatched.event_key == f"shipment:{shipment.id}:dispatched"
    assert dispatched.subject == f"Expédition n° {shipment.id} partie : 2 appareil(s)"
    assert f"pour votre demande n° {request.id} a quitté Atelier du Canal le" in dispatched.body
    assert "avec 2 appareil(s)" in dispatched.body
    assert "Transporteur : Coursier" in dispatched.body
    # Delivery, hand-over and cancellation are the partner's own doing: no email for them.
    flow.deliver(shipment)
    flow.hand_over(devices[0])
    service.cancel_request(
        db, viewer=flow.partner_user, request=flow.request(), reason=CancelReason.NO_LONGER_NEEDED
    )
    assert len(_outbox(db)) == 3  # the approval of the cancelled request, nothing else
    assert [m.recipient for m in _outbox(db)] == [flow.partner_user.email] * 3


def test_no_email_to_a_closed_account(db: Session, flow: PartnerFlow) -> None:
    flow.partner_user.active = False
    flow.request()
    assert _outbox(db) == []
