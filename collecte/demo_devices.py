"""Demo devices: one received at the demo workshop and taken to a stage through the real services
(the workshop's stock in ``demo``, the devices partners request in ``demo_partners``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.devices.checklists import CHECKLISTS, Category, CheckItem
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.devices.records import record_diagnosis, record_erasure, record_grade
from collecte.devices.schemas import DeviceCreate
from collecte.devices.service import change_status, create_device, transition_device
from collecte.orgs.models import Site

# (category, brand, model, has storage, weight kg, ram, storage, how far it got)
DemoSpec = tuple[Category, str, str, bool, float, int | None, int | None, str]


def demo_serial(index: int) -> str:
    return f"DEMO-{index:04d}"


def make_demo_device(
    session: Session,
    *,
    technician: User,
    donor_id: int,
    index: int,
    spec: DemoSpec,
    pickup_id: int | None = None,
) -> Device:
    """One device of the demo received at the workshop's first site (from its pickup, when it
    came with one) and taken to its stage."""
    category, brand, model, storage, weight, ram, disk, stage = spec
    site = session.scalars(
        select(Site).where(Site.organization_id == technician.organization_id).order_by(Site.id)
    ).first()
    if site is None:
        raise RuntimeError("the demo workshop has no site")
    device = create_device(
        session,
        actor=technician,
        data=DeviceCreate.model_validate(
            {
                "category": category,
                "brand": brand,
                "model": model,
                "serial": demo_serial(index),
                "has_storage": storage,
                "weight_kg": weight,
                "site_id": site.id,
                "donor_id": donor_id,
                "pickup_id": pickup_id,
                "specs": {"ram_gb": ram, "storage_gb": disk},
            }
        ),
    )
    if stage == "received":
        return device
    if stage in ("recycled", "parts"):
        transition_device(session, device=device, actor=technician, to=DeviceStatus(stage))
        return device
    checks = {item.name: _passing(item) for item in CHECKLISTS[category]}
    record_diagnosis(session, device=device, actor=technician, result="pass", checks=checks)
    if stage == "diagnosed":
        return device
    if storage:
        record_erasure(
            session,
            device=device,
            actor=technician,
            storage_serial=f"DISK-DEMO-{index:04d}",
            method="PRNG Stream",
            nist_level="clear",
            tool="nwipe",
            tool_version="0.35",
            result="erased",
            verified=True,
            verification_method="Verify Last Pass",
        )
    if stage == "wiped":
        return device
    record_grade(
        session, device=device, actor=technician, functional="F5", cosmetic=f"C{4 + index % 5}"
    )
    if stage == "available":
        change_status(session, device=device, actor=technician, to=DeviceStatus.AVAILABLE)
    return device


def _passing(item: CheckItem) -> object:
    if item.kind == "bool":
        return True
    if item.kind == "percent":
        return 85
    if item.kind == "choice":
        return item.choices[0]
    return ""
