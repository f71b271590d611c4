"""The scan station: a scanned code, optionally an action applied in the same call.

A repeat of the same code and action by the same person within two seconds is recognised and
not applied twice (keyboard-wedge scanners and nervous thumbs double-fire).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, text
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.core.errors import Forbidden, InvalidInput
from collecte.core.types import UTCDateTime, utcnow
from collecte.devices import service
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device, Scan

DUPLICATE_WINDOW = dt.timedelta(seconds=2)
SCAN_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN)
SIMPLE_ACTIONS = ("print_label", "move", "hold", "release")


@dataclass(frozen=True)
class ScanResult:
    device: Device
    allowed_actions: list[str]
    applied: str | None
    duplicate: bool


def allowed_actions(session: Session, *, viewer: User, device: Device) -> list[str]:
    """The actions a scan of this device may apply now, for this person."""
    if not service.can_work_on(viewer, device):
        return []
    actions = ["print_label", "move", "release" if device.hold_reason else "hold"]
    actions += [f"to:{status.value}" for status in service.possible_next(session, device)]
    return actions


_REPEAT_SQL = text(
    "SELECT 1 FROM scans WHERE device_id = :device_id AND user_id = :user_id AND action = :action"
    " AND NOT duplicate AND at > :since LIMIT 1"
).bindparams(bindparam("since", type_=UTCDateTime()))


def _is_repeat(
    session: Session, *, device: Device, viewer: User, action: str, now: dt.datetime
) -> bool:
    # Plain SQL: it runs on every scan, and the ORM's statement handling cost more than the query.
    since = now - DUPLICATE_WINDOW
    params = {"device_id": device.id, "user_id": viewer.id, "action": action, "since": since}
    return session.execute(_REPEAT_SQL, params).first() is not None


def scan_code(
    session: Session,
    *,
    viewer: User,
    raw_code: str,
    action: str | None = None,
    site_id: int | None = None,
    reason: str | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ScanResult:
    """Look a scanned code up and apply the optional action (once, even if scanned twice)."""
    if viewer.role not in SCAN_ROLES:
        raise Forbidden(f"a {viewer.role} may not use the scan station")
    now = now or utcnow()
    device = service.get_device(session, viewer=viewer, raw_code=raw_code)
    action = (action or "").strip() or None
    duplicate = _is_repeat(session, device=device, viewer=viewer, action=action or "", now=now)
    if action is not None and not duplicate:
        service.require_work_on(viewer, device)
        _apply(
            session,
            device=device,
            viewer=viewer,
            action=action,
            site_id=site_id,
            reason=reason,
            note=note,
        )
    # A Core insert: nothing reads the Scan object back, so the ORM unit of work is not needed.
    session.execute(
        insert(Scan),
        [
            {
                "device_id": device.id,
                "user_id": viewer.id,
                "action": action or "",
                "duplicate": duplicate,
                "at": now,
            }
        ],
    )
    return ScanResult(
        device=device,
        allowed_actions=allowed_actions(session, viewer=viewer, device=device),
        applied=None if duplicate else action,
        duplicate=duplicate,
    )


def _apply(
    session: Session,
    *,
    device: Device,
    viewer: User,
    action: str,
    site_id: int | None,
    reason: str | None,
    note: str,
) -> None:
    if action.startswith("to:"):
        try:
            target = DeviceStatus(action.removeprefix("to:"))
        except ValueError as exc:
            raise InvalidInput(f"unknown status in action {action!r}") from exc
        service.transition_device(session, device=device, actor=viewer, to=target, note=note)
    elif action == "move":
        if site_id is None:
            raise InvalidInput("the move action needs site_id")
        service.move_device(session, device=device, actor=viewer, site_id=site_id, note=note)
    elif action == "hold":
        service.hold_device(session, device=device, actor=viewer, reason=reason or "")
    elif action == "release":
        service.release_device(session, device=device, actor=viewer, note=note)
    elif action == "print_label":
        service.append_event(session, device=device, actor=viewer, kind="label_printed", note=note)
    else:
        raise InvalidInput(
            f"unknown action {action!r}; use one of {', '.join(SIMPLE_ACTIONS)} or to:<status>"
        )
