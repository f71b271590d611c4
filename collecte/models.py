"""Every mapped class, imported once so ``Base.metadata`` knows the whole schema (Alembic, tests)."""

from collecte.auth.models import LoginThrottle, User
from collecte.core.db import Base
from collecte.devices.models import (
    Device,
    DeviceEvent,
    DiagnosisRecord,
    ErasureRecord,
    GradeRecord,
    RepairRecord,
    Scan,
)
from collecte.documents.models import Document
from collecte.notifications.models import OutboxMessage
from collecte.orgs.models import Organization, Site, WorkshopTerritory
from collecte.pickups.models import Pickup

__all__ = [
    "Base",
    "Device",
    "DeviceEvent",
    "DiagnosisRecord",
    "Document",
    "ErasureRecord",
    "GradeRecord",
    "LoginThrottle",
    "Organization",
    "OutboxMessage",
    "Pickup",
    "RepairRecord",
    "Scan",
    "Site",
    "User",
    "WorkshopTerritory",
]
