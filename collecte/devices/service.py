"""Devices: who may see and change them, intake, look-up by code, holds and moves.

Status changes go through ``status.change_statuses`` only (``change_status`` for one device): it
applies ``DEVICE_MACHINE`` (the transition table, the data-protection invariant and holds, the
weight of an exit, the reset of a return or a find) and writes the events. The API, pages, scans,
bulk actions and CLI all call it; it is imported from here as it always was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.policy import WORKSHOP_ROLES
from collecte.core.errors import (
    Conflict,
    Forbidden,
    InvalidCodeError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Reason,
)
from collecte.core.events import (
    Event,
    EventKind,
    MovePayload,
    ReasonPayload,
)
from collecte.core.types import utcnow
from collecte.core.vocabulary import N_
from collecte.devices import codes, search
from collecte.devices.checklists import Category
from collecte.devices.lifecycle import (
    IN_WORKSHOP,
    WEIGHED_EXITS,
    DeviceStatus,
)
from collecte.devices.models import Device
from collecte.devices.policy import require_work_on, visible_devices
from collecte.devices.rules import (
    possible_next,
)
from collecte.devices.schemas import DeviceCreate

# Status changes have a module of their own; their callers import them from here, as they always did.
from collecte.devices.status import (
    StatusChange as StatusChange,
)
from collecte.devices.status import (
    change_status as change_status,
)
from collecte.devices.status import (
    change_statuses as change_statuses,
)
from collecte.devices.status import (
    has_verified_erasure as has_verified_erasure,
)
from collecte.devices.status import (
    record_device_event as record_device_event,
)
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.service import own_site
from collecte.pickups.service import check_intake_pickup


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
    matching = search.text_match(q or "")
    if matching is not None:
        candidate = codes.normalise(q or "")
        # A valid code (typed or scanned) is also looked up by the unique index on codes; it could
        # be a piece of a serial as well (one text in 31 of that shape passes the check).
        if codes.is_valid(candidate):
            matching = or_(Device.code == candidate, matching)
        query = query.where(matching)
    return query


def cursor_position(session: Session, *, viewer: User, code: str) -> int | None:
    """Where a list's page starts or ends: the position (id) of the device a cursor names, among
    those the viewer may see; None for no cursor, or one that names no such device."""
    candidate = codes.normalise(code) if code else ""
    if not codes.is_valid(candidate):
        return None
    return session.scalar(
        visible_devices(viewer).with_only_columns(Device.id).where(Device.code == candidate)
    )


def parse_scanned(raw_code: str) -> str:
    """The code in scanner text (normalised); a wrong check character is 422 ``invalid_code``."""
    try:
        return codes.parse_code(raw_code)
    except codes.InvalidCode as exc:
        raise InvalidCodeError.because(exc.reason) from exc


def get_device(session: Session, *, viewer: User, raw_code: str) -> Device:
    """The device a (possibly scanned) code names, if the viewer may see it.

    A code with a wrong check character is invalid (422); a valid code nobody may see is 404.
    """
    code = parse_scanned(raw_code)
    device = session.scalar(visible_devices(viewer).where(Device.code == code))
    if device is None:
        raise NotFound("not_found", N_("no device %(code)s"), code=codes.format_code(code))
    return device


def get_device_for_work(session: Session, *, viewer: User, raw_code: str) -> Device:
    """The device a code names, if the viewer may change it (403 if only allowed to read it)."""
    device = get_device(session, viewer=viewer, raw_code=raw_code)
    require_work_on(viewer, device)
    return device


# --- intake ------------------------------------------------------------------------------------


def require_receiver(viewer: User) -> None:
    """Refuse (403) anyone but the operator and workshop staff: only they receive devices."""
    if viewer.role not in (Role.ADMIN, *WORKSHOP_ROLES):
        raise Forbidden(
            "may_not_receive", N_("a %(role)s may not receive devices"), role=viewer.role
        )


def registered_serials(
    session: Session, *, viewer: User, serials: Iterable[str]
) -> list[tuple[str, str, str]]:
    """(brand, serial, code) of the devices the viewer may see that carry one of these serials.

    Only what the viewer may see: naming another workshop's device would tell a donor or a
    partner what it holds.
    """
    wanted = sorted({s for s in serials if s})
    if not wanted:
        return []
    query = visible_devices(viewer).where(Device.serial.in_(wanted))
    found = session.execute(query.with_only_columns(Device.brand, Device.serial, Device.code)).all()
    return [(brand, serial, code) for brand, serial, code in found]


def serial_registered(serial: str, code: str) -> Reason:
    return Reason(
        "serial_registered",
        N_("serial %(serial)s is already registered as device %(code)s"),
        {"serial": serial, "code": code},
    )


def resolve_intake_site(session: Session, *, viewer: User, site_id: int | None) -> Site:
    """The site a device is received at: the one given, or the workshop's only site."""
    require_receiver(viewer)
    if site_id is None:
        if viewer.role is Role.ADMIN:
            raise InvalidInput("site_required", N_("site_id is required"))
        sites = list(
            session.scalars(
                select(Site).where(Site.organization_id == viewer.organization_id).limit(2)
            )
        )
        if len(sites) != 1:
            if sites:
                raise InvalidInput(
                    "site_required", N_("site_id is required: the workshop has several sites")
                )
            raise Conflict("workshop_without_site", N_("the workshop has no site"))
        return sites[0]
    return own_site(session, viewer=viewer, site_id=site_id)


def intake_donor(
    session: Session, *, viewer: User, donor_id: int | None, pickup_id: int | None
) -> int | None:
    """The donor a received device belongs to: the pickup's when it came from one, checked."""
    if pickup_id is not None:
        return check_intake_pickup(session, viewer=viewer, pickup_id=pickup_id, donor_id=donor_id)
    if donor_id is None:
        return None
    donor = session.get(Organization, donor_id)
    if donor is None or donor.kind is not OrgKind.DONOR:
        raise InvalidInput(
            "not_a_donor", N_("organisation %(organization)s is not a donor"), organization=donor_id
        )
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
    record_device_event(
        session,
        device=device,
        actor=actor,
        kind=EventKind.INTAKE,
        to_status=DeviceStatus.RECEIVED,
        note=note,
    )
    return device


def create_device(session: Session, *, actor: User, data: DeviceCreate) -> Device:
    """Receive one device: check site and donor, draw a code, create it."""
    site = resolve_intake_site(session, viewer=actor, site_id=data.site_id)
    donor_id = intake_donor(session, viewer=actor, donor_id=data.donor_id, pickup_id=data.pickup_id)
    brand = data.brand.strip().lower()
    for found_brand, serial, found_code in registered_serials(
        session, viewer=actor, serials=[data.serial.strip()]
    ):
        if found_brand.strip().lower() == brand:
            raise Conflict.because(serial_registered(serial, found_code))
    (code,) = unused_codes(session, 1)
    try:
        with session.begin_nested():
            return receive_device(
                session,
                actor=actor,
                site=site,
                code=code,
                category=data.category,
                brand=data.brand,
                model=data.model,
                serial=data.serial,
                has_storage=data.has_storage,
                weight_kg=data.weight_kg,
                donor_id=donor_id,
                pickup_id=data.pickup_id,
                specs=data.specs.model_dump(),
            )
    except IntegrityError as exc:  # a code drawn concurrently by another intake
        raise Conflict(
            "code_taken", N_("the device code was taken concurrently; please retry")
        ) from exc


# --- status changes by hand, holds, moves ------------------------------------------------------


def transition_device(
    session: Session,
    *,
    device: Device,
    actor: User,
    to: DeviceStatus,
    note: str = "",
    weight_kg: float | None = None,
) -> Event:
    """A technician's explicit status change (a weight only goes with an exit counted by weight)."""
    if weight_kg is not None and to not in WEIGHED_EXITS:
        raise InvalidInput(
            "weight_not_expected", N_("weight_kg is only recorded on exits to parts or recycling")
        )
    return change_status(session, device=device, actor=actor, to=to, note=note, weight_kg=weight_kg)


def hold_device(session: Session, *, device: Device, actor: User, reason: str) -> Event:
    """Put a device on hold (awaiting a part, suspected stolen…): a flag, not a status."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("hold_reason_missing", N_("a hold needs a reason"))
    device.hold_reason, device.hold_since = reason, utcnow()
    return record_device_event(
        session,
        device=device,
        actor=actor,
        kind=EventKind.HOLD,
        payload=ReasonPayload(reason=reason),
        note=reason,
    )


def release_device(session: Session, *, device: Device, actor: User, note: str = "") -> Event:
    """Lift a hold."""
    if device.hold_reason is None:
        raise InvalidTransition(
            "not_on_hold",
            N_("the device is not on hold"),
            allowed=[s.value for s in possible_next(session, device)],
        )
    previous = device.hold_reason
    device.hold_reason, device.hold_since = None, None
    return record_device_event(
        session,
        device=device,
        actor=actor,
        kind=EventKind.RELEASE,
        note=note,
        payload=ReasonPayload(reason=previous),
    )


def move_device(
    session: Session, *, device: Device, actor: User, site_id: int, note: str = ""
) -> Event:
    """Move a device to another site of its workshop (the operator may move it to any workshop)."""
    site = session.get(Site, site_id)
    if site is None or (
        actor.role is not Role.ADMIN and site.organization_id != device.organization_id
    ):
        raise InvalidInput(
            "not_device_workshop_site",
            N_("site %(site)s is not a site of the device's workshop"),
            site=site_id,
        )
    if site.id == device.site_id:
        raise Conflict("already_at_site", N_("the device is already at that site"))
    previous = device.site_id
    device.site_id, device.organization_id = site.id, site.organization_id
    return record_device_event(
        session,
        device=device,
        actor=actor,
        kind=EventKind.MOVE,
        note=note,
        payload=MovePayload(from_site_id=previous, to_site_id=site.id),
    )


def record_storage_absent(
    session: Session, *, device: Device, actor: User, note: str = ""
) -> Event:
    """A technician opened the device and found no storage: from now on it needs no erasure
    (until an erasure is recorded, or its history starts afresh after a return or a find)."""
    if device.status not in IN_WORKSHOP:
        raise InvalidTransition(
            "storage_check_outside_workshop",
            N_(
                "storage can only be checked while the device is in the workshop (it is %(status)s)"
            ),
            status=device.status,
            allowed=[s.value for s in possible_next(session, device)],
        )
    return record_device_event(
        session, device=device, actor=actor, kind=EventKind.STORAGE_ABSENT, note=note
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


def device_events(session: Session, device: Device) -> list[Event]:
    """A device's history, in the log's order."""
    return list(
        session.scalars(
            select(Event).where(Event.device_id == device.id).order_by(*Event.log_order())
        )
    )
