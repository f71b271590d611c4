"""The outbox page: messages by state (queued, sent, failed), search, pages, and "send again"."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.types import utcnow
from collecte.notifications.models import OutboxMessage
from collecte.notifications.service import queue_email
from tests.devices.pagehelpers import HTML, post, sign_in
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import book, schedule


def _message(db: Session, key: str, recipient: str, **state: object) -> OutboxMessage:
    message = queue_email(
        db,
        event_key=key,
        recipient=recipient,
        subject=f"Sujet {key}",
        body=f"Corps {key}",
        organization_id=None,
    )
    assert message is not None
    for name, value in state.items():
        setattr(message, name, value)
    db.flush()  # the pages read the messages through the same transaction
    return message


def _rows(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'<tr id="message-(\d+)"', html)}


def test_the_operator_sees_each_state_and_sends_a_failed_one_again(
    client: TestClient, db: Session
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    queued = _message(db, "t:queued", "a@example.org")
    sent = _message(db, "t:sent", "b@example.org", sent_at=utcnow(), attempts=1)
    failed = _message(db, "t:failed", "c@example.org", attempts=2, last_error="550 no such mailbox")
    token = sign_in(client, admin)

    everything = client.get("/outbox", headers=HTML)
    assert everything.status_code == 200
    assert {queued.id, sent.id, failed.id} <= _rows(everything.text)
    assert "550 no such mailbox" in everything.text
    for state, expected in (("queued", queued), ("sent", sent), ("failed", failed)):
        page = client.get("/outbox", params={"state": state}, headers=HTML).text
        assert _rows(page) == {expected.id}, state
    assert _rows(client.get("/outbox?q=C@EXAMPLE", headers=HTML).text) == {failed.id}
    # Only a failed message offers "send again".
    assert client.get("/outbox", headers=HTML).text.count("/resend") == 1

    resent = post(client, f"/outbox/{failed.id}/resend", token, next="/outbox?state=failed")
    assert resent.status_code == 303
    assert resent.headers["location"] == "/outbox?state=failed&done=resent"
    db.refresh(failed)
    assert (failed.attempts, failed.last_error, failed.sent_at) == (0, "", None)
    assert _rows(client.get("/outbox?state=queued", headers=HTML).text) == {queued.id, failed.id}
    assert 'id="done"' in client.get(resent.headers["location"], headers=HTML).text
    # A sent message is not sent twice; the "next" page stays within the outbox.
    assert post(client, f"/outbox/{sent.id}/resend", token).status_code == 409
    elsewhere = post(client, f"/outbox/{queued.id}/resend", token, next="https://evil.example/")
    assert elsewhere.headers["location"] == "/outbox?done=resent"


def test_the_outbox_is_paged(client: TestClient, db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    for n in range(53):
        _message(db, f"t:{n}", f"r{n}@example.org")
    sign_in(client, admin)
    first = client.get("/outbox?q=example.org", headers=HTML).text
    assert len(_rows(first)) == 50
    assert "/outbox?q=example.org&amp;page=2" in first
    assert len(_rows(client.get("/outbox?q=example.org&page=2", headers=HTML).text)) == 3


def test_a_coordinator_reads_and_resends_only_its_own_pickups_messages(
    client: TestClient, db: Session, settings: Settings
) -> None:
    workshop = Workshop(db)
    coordinator = make_user(db, role=Role.COORDINATOR, organization=workshop.organization)
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    pickup = book(db, donor)
    schedule(db, pickup, coordinator, workshop.site)
    own = db.scalars(select(OutboxMessage).where(OutboxMessage.pickup_id == pickup.id)).one()
    other = _message(db, "t:elsewhere", "someone@example.org", attempts=1, last_error="timeout")
    sign_in(client, coordinator)

    page = client.get("/outbox", headers=HTML)
    assert page.status_code == 200
    assert _rows(page.text) == {own.id}
    headers = auth_headers(settings, coordinator)
    assert client.post(f"/api/v1/outbox/{other.id}/resend", headers=headers).status_code == 404
    db.refresh(other)
    assert other.attempts == 1
    resent = client.post(f"/api/v1/outbox/{own.id}/resend", headers=headers)
    assert resent.status_code == 200
    assert resent.json()["state"] == "queued"


def test_the_outbox_is_refused_to_other_roles(
    client: TestClient, db: Session, settings: Settings
) -> None:
    failed = _message(db, "t:failed", "c@example.org", attempts=1, last_error="refused")
    for role in (Role.TECHNICIAN, Role.DONOR, Role.PARTNER, Role.AUDITOR):
        user = make_user(db, role=role)
        browser = TestClient(client.app)
        token = sign_in(browser, user)
        assert browser.get("/outbox", headers=HTML).status_code == 403
        assert 'id="nav-outbox"' not in browser.get("/", headers=HTML).text
        assert post(browser, f"/outbox/{failed.id}/resend", token).status_code == 403
        api = client.post(
            f"/api/v1/outbox/{failed.id}/resend", headers=auth_headers(settings, user)
        )
        assert api.status_code == 403
    db.refresh(failed)
    assert failed.attempts == 1
