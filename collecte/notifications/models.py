"""The outbox: every email Collecte means to send, kept whether or not SMTP is configured."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, case
from sqlalchemy.orm import Mapped, column_property, mapped_column

from collecte.core.db import Base
from collecte.core.types import UTCDateTime, utcnow


class OutboxState(enum.StrEnum):
    """Where a message stands: waiting for its first try, delivered, or tried and refused."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    # One message per event and recipient: re-running a step does not email twice.
    __table_args__ = (UniqueConstraint("event_key", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(120))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    # The pickup a message is about: who may read the message follows who may read the pickup.
    pickup_id: Mapped[int | None] = mapped_column(
        ForeignKey("pickups.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Its state, in one SQL expression: read with each message and filtered on (the outbox page).
    state: Mapped[str] = column_property(
        case(
            (sent_at.is_not(None), OutboxState.SENT.value),
            (attempts > 0, OutboxState.FAILED.value),
            else_=OutboxState.QUEUED.value,
        )
    )
