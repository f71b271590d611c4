"""Devices and the workshop records (diagnosis, erasure, grading, repair, scans); their history is
the one event log (``collecte.core.events``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collecte.core.db import Base
from collecte.core.enums import enum_column
from collecte.core.state import guard_status_column
from collecte.core.types import UTCDateTime, utcnow
from collecte.devices.checklists import Category
from collecte.devices.grading import Grade
from collecte.devices.lifecycle import DEVICE_MACHINE, DeviceStatus
from collecte.orgs.models import Site


class Device(Base):
    """One physical device, from intake to its exit; its status changes only through its machine."""

    __tablename__ = "devices"
    __table_args__ = (
        # A donor's devices by status: its traceability and home page tally them with one GROUP BY
        # read from this index alone (and its prefix serves every look-up by donor).
        Index("ix_devices_donor_id_status", "donor_id", "status"),
        # The lists, newest first: one status network-wide, a workshop's devices, or those of one
        # status, read in order from the index up to the page's end (migration 0019 says why).
        Index("ix_devices_status_id", "status", "id"),
        Index("ix_devices_organization_id_id", "organization_id", "id"),
        Index("ix_devices_organization_id_status_id", "organization_id", "status", "id"),
        # Whether a workshop holds a donor's devices (the donors its staff may see), one probe.
        Index("ix_devices_organization_id_donor_id", "organization_id", "donor_id"),
    )
    # Searched through indexes of their own that the models cannot declare: see devices/search.py.

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    category: Mapped[Category] = mapped_column(enum_column(Category, "device_category"), index=True)
    brand: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(150))
    serial: Mapped[str] = mapped_column(String(100), index=True)
    has_storage: Mapped[bool] = mapped_column(Boolean)
    weight_kg: Mapped[float | None]
    ram_gb: Mapped[int | None]
    storage_gb: Mapped[int | None]
    cpu: Mapped[str | None] = mapped_column(String(150))
    screen_in: Mapped[float | None]
    status: Mapped[DeviceStatus] = mapped_column(
        enum_column(DeviceStatus, "device_status"), default=DeviceStatus.RECEIVED
    )
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade, "device_grade"))
    # The workshop that holds the device, and where it is now.
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    # The donor organisation it came from (its devices are what a donor follows).
    donor_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    pickup_id: Mapped[int | None] = mapped_column(
        ForeignKey("pickups.id", ondelete="RESTRICT"), index=True
    )
    hold_reason: Mapped[str | None] = mapped_column(String(300))
    hold_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When its workshop history last started afresh (intake, a return, a find): records older
    # than this no longer count. Written with the status, by the state machine's reset.
    history_since: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Optimistic locking: two concurrent changes to one device cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    site: Mapped[Site] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declarative hook)


# The status column is written by DEVICE_MACHINE.move only (devices.service.change_status).
guard_status_column(Device.status, DEVICE_MACHINE)


class DiagnosisRecord(Base):
    __tablename__ = "diagnosis_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="RESTRICT"), index=True
    )
    result: Mapped[str] = mapped_column(String(4))
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ErasureRecord(Base):
    """One storage medium's erasure (NIST SP 800-88 Clear/Purge/Destroy) and its verification."""

    __tablename__ = "erasure_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="RESTRICT"), index=True
    )
    storage_make: Mapped[str] = mapped_column(String(100), default="")
    storage_model: Mapped[str] = mapped_column(String(150), default="")
    storage_serial: Mapped[str] = mapped_column(String(100))
    storage_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(100))
    nist_level: Mapped[str] = mapped_column(String(8))
    tool: Mapped[str] = mapped_column(String(100))
    tool_version: Mapped[str] = mapped_column(String(50), default="")
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str] = mapped_column(String(8))
    verification_method: Mapped[str] = mapped_column(String(100), default="")
    verified: Mapped[bool] = mapped_column(Boolean)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    log_sha256: Mapped[str | None] = mapped_column(String(64))
    log_text: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GradeRecord(Base):
    __tablename__ = "grade_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="RESTRICT"), index=True
    )
    functional: Mapped[int] = mapped_column(Integer)
    cosmetic: Mapped[int] = mapped_column(Integer)
    grade: Mapped[Grade] = mapped_column(enum_column(Grade, "record_grade"))
    notes: Mapped[str] = mapped_column(Text, default="")
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RepairRecord(Base):
    __tablename__ = "repair_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    minutes: Mapped[int] = mapped_column(Integer)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Copied from the technician at the time: counts as integration work hours in impact.
    integration_contract: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Scan(Base):
    """One scan at a station; a repeat of the same code and action within seconds is not re-applied."""

    __tablename__ = "scans"
    __table_args__ = (Index("ix_scans_device_user_at", "device_id", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(40), default="")
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
