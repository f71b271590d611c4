"""Every mapped class, imported once so ``Base.metadata`` knows the whole schema (Alembic, tests),
and every event subscriber, so that whatever writes an event has its reactions registered."""

from collecte.auth.models import LoginThrottle, PasswordReset, User
from collecte.core.db import Base
from collecte.core.events import Event, EventSequence
from collecte.devices.models import (
    Device,
    DiagnosisRecord,
    ErasureRecord,
    GradeRecord,
    RepairRecord,
    Scan,
)
from collecte.documents.models import Document
from collecte.impact import keeping as _impact_counts  # noqa: F401 (keeps the counts)
from collecte.impact.models import ImpactCount, ImpactFact, ImpactRollup
from collecte.notifications.models import OutboxMessage
from collecte.orgs.models import Organization, Site, WorkshopTerritory
from collecte.pickups import notify as _subscribers  # noqa: F401 (registers its event handlers)
from collecte.pickups.models import Pickup
from collecte.requests import notify as _partner_emails  # noqa: F401 (registers its event handlers)
from collecte.requests.models import Allocation, EquipmentRequest, RequestLine
from collecte.shipments.models import Handover, Shipment

__all__ = [
    "Allocation",
    "Base",
    "Device",
    "DiagnosisRecord",
    "Document",
    "EquipmentRequest",
    "ErasureRecord",
    "Event",
    "EventSequence",
    "GradeRecord",
    "Handover",
    "ImpactCount",
    "ImpactFact",
    "ImpactRollup",
    "LoginThrottle",
    "Organization",
    "OutboxMessage",
    "PasswordReset",
    "Pickup",
    "RepairRecord",
    "RequestLine",
    "Scan",
    "Shipment",
    "Site",
    "User",
    "WorkshopTerritory",
]
