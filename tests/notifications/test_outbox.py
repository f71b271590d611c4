"""The donor contact's emails: queued with the change they announce, sent over a real SMTP server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.notifications.models import OutboxMessage
from collecte.notifications.service import send_pending
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop
from tests.pickups.test_api import BOOKING


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def _serving(inbox: Inbox) -> Iterator[int]:
    """A real SMTP server on a free local port for the duration."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    with _serving(inbox) as port:
        yield port, inbox


def _messages(db: Session) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_schedule_collect_and_certificate_each_queue_one_email(
    client: TestClient, db: Session, settings: Settings
) -> None:
    workshop = Workshop(db)
    donor = make_user(db, role=Role.DONOR, organization=workshop.donor)
    coordinator = make_user(db, role=Role.COORDINATOR, organization=workshop.organization)
    # Two laptops declared, serials PF-1 and PF-2: the certificate waits for both.
    booking = {
        **BOOKING,
        "items": [{"category": "laptop", "quantity": 2}],
        "declared_serials": ["PF-1", "PF-2"],
    }
    pickup = client.post(
        "/api/v1/pickups", json=booking, headers=auth_headers(settings, donor)
    ).json()
    url = f"/api/v1/pickups/{pickup['id']}"
    assert _messages(db) == []
    schedule = {
        "date": "2026-12-01",
        "site_id": workshop.site.id,
        "window_start": "09:00",
        "window_end": "12:00",
    }
    client.post(f"{url}/schedule", json=schedule, headers=auth_headers(settings, coordinator))
    client.post(
        f"{url}/schedule", json=schedule, headers=auth_headers(settings, coordinator)
    )  # same day again
    client.post(
        f"{url}/collect",
        json={"weight_kg": 6, "released_by": "C. Martin", "received_by": "A. Diallo"},
        headers=auth_headers(settings, coordinator),
    )
    devices = [
        workshop.receive(serial=f"PF-{i}", pickup_id=pickup["id"], donor_id=None) for i in (1, 2)
    ]
    workshop.wipe(devices[0])
    assert len(_messages(db)) == 2  # not ready while one storage is untreated
    workshop.wipe(devices[1])
    subjects = [m.subject for m in _messages(db)]
    assert len(subjects) == 3
    assert "planifiée le 01/12/2026" in subjects[0]
    assert "effectuée" in subjects[1]
    assert "Certificat d'effacement" in subjects[2]
    assert {m.recipient for m in _messages(db)} == {BOOKING["contact_email"]}
    admin = make_user(db, role=Role.ADMIN)
    listed = client.get("/api/v1/outbox?unsent=true", headers=auth_headers(settings, admin)).json()
    assert len(listed) == 3
    assert client.get("/api/v1/outbox", headers=auth_headers(settings, donor)).status_code == 403
    # A coordinator reads the messages of its own workshop's pickups, not another workshop's.
    ours = client.get("/api/v1/outbox", headers=auth_headers(settings, coordinator)).json()
    assert [m["id"] for m in ours] == [m["id"] for m in listed]
    rival = make_user(db, role=Role.COORDINATOR, organization=Workshop(db).organization)
    assert client.get("/api/v1/outbox", headers=auth_headers(settings, rival)).json() == []
    assert {m.pickup_id for m in _messages(db)} == {pickup["id"]}


def test_pending_messages_are_sent_over_smtp_once(
    db: Session, settings: Settings, smtp_server: tuple[int, Inbox]
) -> None:
    from collecte.notifications.service import queue_email

    port, inbox = smtp_server
    queue_email(
        db,
        event_key="test:1",
        recipient="a@example.org",
        subject="Bonjour",
        body="Corps é",
        organization_id=None,
    )
    queue_email(
        db,
        event_key="test:1",
        recipient="a@example.org",
        subject="Bonjour",
        body="x",
        organization_id=None,
    )
    assert send_pending(db, settings=settings) == (0, 0)  # no SMTP configured: kept
    assert _messages(db)[0].sent_at is None
    settings.smtp_host, settings.smtp_port, settings.mail_from = (
        "127.0.0.1",
        port,
        "atelier@example.org",
    )
    assert send_pending(db, settings=settings) == (1, 0)
    deadline = time.monotonic() + 5
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m["Subject"] for m in inbox.messages] == ["Bonjour"]
    assert inbox.messages[0]["From"] == "atelier@example.org"
    assert "Corps é" in inbox.messages[0].get_payload(decode=True).decode()
    assert send_pending(db, settings=settings) == (0, 0)
    assert _messages(db)[0].sent_at is not None


class RefusingInbox(Inbox):
    """Refuses one recipient, as a server does for an unknown mailbox."""

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == "gone@example.org":
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_message_stays_queued_for_the_next_run(db: Session, settings: Settings) -> None:
    from collecte.notifications.service import queue_email

    with _serving(RefusingInbox()) as port:
        for key, recipient in (("a", "gone@example.org"), ("b", "b@example.org")):
            queue_email(
                db,
                event_key=f"test:{key}",
                recipient=recipient,
                subject="Bonjour",
                body="x",
                organization_id=None,
            )
        settings.smtp_host, settings.smtp_port = "127.0.0.1", port
        assert send_pending(db, settings=settings) == (1, 1)
        refused, delivered = _messages(db)
        assert refused.sent_at is None
        assert (refused.attempts, "550" in refused.last_error) == (1, True)
        assert delivered.sent_at is not None
        assert send_pending(db, settings=settings) == (0, 1)  # tried again, not dropped
        assert refused.attempts == 2
