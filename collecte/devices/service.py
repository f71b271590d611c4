"""Devices: who may see and change them, intake, look-up by code, and every status change.

Status changes go through ``change_status`` only: it checks the transition table, the data-protection
invariant and holds, then appends the event. The API, pages, scans, bulk actions and CLI all call it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collecte.auth.models import WORKSHOP_ROLES, Role, User
from collecte.core.errors import (
    Conflict,
    Forbidden,
    InvalidCodeError,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from collecte.core.types import utcnow
from collecte.devices import codes
from collecte.devices.checklists import Category
from collecte.devices.lifecycle import DeviceStatus, allowed_next, can_transition
from collecte.devices.models import Device, DeviceEvent
from collecte.devices.rules import blocking_rule, device_facts, possible_next
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.service import own_site

# --- who may see and change what -------------------------------------------------------------


def visible_devices(viewer: User) -> Select[Device]:
    """Devices a viewer may read: the network for admin and auditors, the own workshop's for its
    staff, the devices it donated for a donor; a partner sees none until devices are allocated to it."""
    query = select(Device)
    if viewer.role in (Role.ADMIN, Role.AUDITOR):
        return query
    if viewer.role in WORKSHOP_ROLES:
        return query.where(Device.organization_id == viewer.organization_id)
    if viewer.role is Role.DONOR:
        return query.where(Device.donor_id == viewer.organization_id)
    return query.where(false())


def can_see(viewer: User, device: Device) -> bool:
    """``visible_devices`` for one loaded device (a test holds the two to the same answers)."""
    if viewer.role in (Role.ADMIN, Role.AUDITOR):
        return True
    if viewer.role in WORKSHOP_ROLES:
        return device.organization_id == viewer.organization_id
    if viewer.role is Role.DONOR:
        return device.donor_id == viewer.organization_id
    return False


def can_work_on(viewer: User, device: Device) -> bool:
    """Whether the viewer may record work on or move this device."""
    if viewer.role is Role.ADMIN:
        return True
    return viewer.role in WORKSHOP_ROLES and device.organization_id == viewer.organization_id


def require_work_on(viewer: User, device: Device) -> None:
    if not can_work_on(viewer, device):
        raise Forbidden(f"a {viewer.role} may not change device {codes.format_code(device.code)}")


def filtered_devices(
    *,
    viewer: User,
    status: DeviceStatus | None,
    category: Category | None,
    site_id: int | None,
    donor_id: int | None,
    q: str | None,
) -> Select[Device]:
    """The visible devices narrowed by the list filters (the API's and the page's filters)."""
    query = visible_devices(viewer)
    if status is not None:
        query = query.where(Device.status == status)
    if category is not None:
        query = query.where(Device.category == category)
    if site_id is not None:
        query = query.where(Device.site_id == site_id)
    if donor_id is not None:
        query = query.where(Device.donor_id == donor_id)
    if q and q.strip():
        text = q.strip()
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                Device.code == codes.normalise(text),
                Device.serial.ilike(pattern),
                Device.brand.ilike(pattern),
                Device.model.ilike(pattern),
            )
        )
    return query


def parse_scanned(raw_code: str) -> str:
    """The code in scanner text (normalised); a wrong check character is 422 ``invalid_code``."""
    try:
        return codes.parse_code(raw_code)
    except codes.InvalidCode as exc:
        raise InvalidCodeError(str(exc)) from exc


def get_device(session: Session, *, viewer: User, raw_code: str) -> Device:
    """The device a (possibly scanned) code names, if the viewer may see it.

    A code with a wrong check character is invalid (422); a valid code nobody may see is 404.
    """
    code = parse_scanned(raw_code)
    device = session.scalar(visible_devices(viewer).where(Device.code == code))
    if device is None:
        raise NotFound(f"no device {codes.format_code(code)}")
    return device


def get_device_for_work(session: Session, *, viewer: User, raw_code: str) -> Device:
    """The device a code names, if the viewer may change it (403 if only allowed to read it)."""
    device = get_device(session, viewer=viewer, raw_code=raw_code)
    require_work_on(viewer, device)
    return device


# --- intake ------------------------------------------------------------------------------------


def resolve_intake_site(session: Session, *, viewer: User, site_id: int | None) -> Site:
    """The site a device is received at: the one given, or the workshop's only site."""
    if viewer.role not in (Role.ADMIN, *WORKSHOP_ROLES):
        raise Forbidden(f"a {viewer.role} may not receive devices")
    if site_id is None:
        if viewer.role is Role.ADMIN:
            raise InvalidInput("site_id is required")
        sites = list(
            session.scalars(
                select(Site).where(Site.organization_id == viewer.organization_id).limit(2)
            )
        )
        if len(sites) != 1:
            raise InvalidInput(
                "site_id is required: the workshop has several sites"
                if sites
                else "the workshop has no site"
            )
        return sites[0]
    return own_site(session, viewer=viewer, site_id=site_id)


def intake_donor(
    session: Session, *, viewer: User, donor_id: int | None, pickup_id: int | None
) -> int | None:
    """The donor a received device belongs to: the pickup's when it came from one, checked."""
    if pickup_id is not None:
        from collecte.pickups.service import check_intake_pickup  # pickups build on devices

        return check_intake_pickup(session, viewer=viewer, pickup_id=pickup_id, donor_id=donor_id)
    if donor_id is None:
        return None
    donor = session.get(Organization, donor_id)
    if donor is None or donor.kind is not OrgKind.DONOR:
        raise InvalidInput(f"organisation {donor_id} is not a donor")
    return donor_id


def unused_codes(session: Session, count: int) -> list[str]:
    """Fresh random device codes, none already taken (collisions are rare and redrawn)."""
    found: set[str] = set()
    while len(found) < count:
        batch = {codes.generate_code() for _ in range(count - len(found))} - found
        taken = set(session.scalars(select(Device.code).where(Device.code.in_(batch))))
        found |= batch - taken
    return sorted(found)


def receive_device(
    session: Session,
    *,
    actor: User,
    site: Site,
    code: str,
    category: Category,
    brand: str,
    model: str,
    serial: str,
    has_storage: bool,
    weight_kg: float | None = None,
    donor_id: int | None = None,
    pickup_id: int | None = None,
    specs: dict[str, Any] | None = None,
    note: str = "",
) -> Device:
    """Create the device record at intake and its first event (site, donor and code already checked)."""
    specs = specs or {}
    device = Device(
        code=code,
        category=category,
        brand=brand.strip(),
        model=model.strip(),
        serial=serial.strip(),
        has_storage=has_storage,
        weight_kg=weight_kg,
        ram_gb=specs.get("ram_gb"),
        storage_gb=specs.get("storage_gb"),
        cpu=specs.get("cpu"),
        screen_in=specs.get("screen_in"),
        status=DeviceStatus.RECEIVED,
        organization_id=site.organization_id,
        site_id=site.id,
        donor_id=donor_id,
        pickup_id=pickup_id,
    )
    session.add(device)
    session.flush()  # the event below needs the device id
    append_event(
        session,
        device=device,
        actor=actor,
        kind="intake",
        to_status=DeviceStatus.RECEIVED,
        note=note,
    )
    return device


def create_device(session: Session, *, actor: User, data: dict[str, Any]) -> Device:
    """Receive one device: check site and donor, draw a code, create it."""
    site = resolve_intake_site(session, viewer=actor, site_id=data.get("site_id"))
    donor_id = intake_donor(
        session, viewer=actor, donor_id=data.get("donor_id"), pickup_id=data.get("pickup_id")
    )
    (code,) = unused_codes(session, 1)
    try:
        with session.begin_nested():
            return receive_device(
                session,
                actor=actor,
                site=site,
                code=code,
                category=data["category"],
                brand=data["brand"],
                model=data["model"],
                serial=data.get("serial", ""),
                has_storage=data["has_storage"],
                weight_kg=data.get("weight_kg"),
                donor_id=donor_id,
                pickup_id=data.get("pickup_id"),
                specs=data.get("specs"),
            )
    except IntegrityError as exc:  # a code drawn concurrently by another intake
        raise Conflict("the device code was taken concurrently; please retry") from exc


# --- events and status changes ----------------------------------------------------------------


def append_event(
    session: Session,
    *,
    device: Device,
    actor: User | None,
    kind: str,
    from_status: DeviceStatus | None = None,
    to_status: DeviceStatus | None = None,
    note: str = "",
    payload: dict[str, Any] | None = None,
) -> DeviceEvent:
    """Append one event to a device's history."""
    event = DeviceEvent(
        device_id=device.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.id if actor else None,
        site_id=device.site_id,
        note=note,
        payload=payload or {},
        at=utcnow(),
    )
    session.add(event)
    return event


def has_verified_erasure(session: Session, device: Device) -> bool:
    """Whether the storage was verified erased (or destroyed) since the device last came back."""
    return device_facts(session, device).erasure_cleared


def change_status(
    session: Session,
    *,
    device: Device,
    actor: User | None,
    to: DeviceStatus,
    note: str = "",
    payload: dict[str, Any] | None = None,
    kind: str = "transition",
) -> DeviceEvent:
    """The one way a device's status changes: table, invariant, hold, then the event."""
    current = device.status
    if not can_transition(current, to):
        allowed = [s.value for s in allowed_next(current)]
        raise InvalidTransition(
            f"a device cannot go from {current} to {to}"
            + (f"; allowed: {', '.join(allowed)}" if allowed else "; it is in a final status"),
            allowed=allowed,
        )
    reason = blocking_rule(session, device, to)
    if reason is not None:
        raise InvalidTransition(reason, allowed=[s.value for s in possible_next(session, device)])
    device.status = to
    return append_event(
        session,
        device=device,
        actor=actor,
        kind=kind,
        from_status=current,
        to_status=to,
        note=note,
        payload=payload,
    )


def transition_device(
    session: Session,
    *,
    device: Device,
    actor: User,
    to: DeviceStatus,
    note: str = "",
    weight_kg: float | None = None,
) -> DeviceEvent:
    """A technician's explicit status change; exits to parts or recycling record their weight."""
    payload: dict[str, Any] = {}
    if to in (DeviceStatus.PARTS, DeviceStatus.RECYCLED):
        weight = weight_kg if weight_kg is not None else device.weight_kg
        if weight is None:
            raise InvalidInput("give weight_kg: exits to parts and recycling are counted by weight")
        payload["weight_kg"] = weight
    elif weight_kg is not None:
        raise InvalidInput("weight_kg is only recorded on exits to parts or recycling")
    return change_status(session, device=device, actor=actor, to=to, note=note, payload=payload)


def hold_device(session: Session, *, device: Device, actor: User, reason: str) -> DeviceEvent:
    """Put a device on hold (awaiting a part, suspected stolen…): a flag, not a status."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a hold needs a reason")
    device.hold_reason, device.hold_since = reason, utcnow()
    return append_event(session, device=device, actor=actor, kind="hold", note=reason)


def release_device(session: Session, *, device: Device, actor: User, note: str = "") -> DeviceEvent:
    """Lift a hold."""
    if device.hold_reason is None:
        raise InvalidTransition("the device is not on hold", allowed=[])
    previous = device.hold_reason
    device.hold_reason, device.hold_since = None, None
    return append_event(
        session, device=device, actor=actor, kind="release", note=note, payload={"reason": previous}
    )


def move_device(
    session: Session, *, device: Device, actor: User, site_id: int, note: str = ""
) -> DeviceEvent:
    """Move a device to another site of its workshop (the operator may move it to any workshop)."""
    site = session.get(Site, site_id)
    if site is None or (
        actor.role is not Role.ADMIN and site.organization_id != device.organization_id
    ):
        raise InvalidInput(f"site {site_id} is not a site of the device's workshop")
    if site.id == device.site_id:
        raise InvalidInput("the device is already at that site")
    previous = device.site_id
    device.site_id, device.organization_id = site.id, site.organization_id
    return append_event(
        session,
        device=device,
        actor=actor,
        kind="move",
        note=note,
        payload={"from_site_id": previous, "to_site_id": site.id},
    )


def people_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """The names shown for the people on a device's history and records (else their e-mail)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        u.id: u.full_name or u.email
        for u in session.scalars(select(User).where(User.id.in_(wanted)))
    }


def device_events(session: Session, device: Device) -> list[DeviceEvent]:
    """A device's history, oldest first."""
    return list(
        session.scalars(
            select(DeviceEvent).where(DeviceEvent.device_id == device.id).order_by(DeviceEvent.id)
        )
    )
