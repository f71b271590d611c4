"""The scan station: a scanned code, optionally an action applied in the same call.

A repeat of the same code and action by the same person within two seconds is recognised and
not applied twice (keyboard-wedge scanners and nervous thumbs double-fire).

A plain look-up (no action) is the station's most frequent call. ``look_up`` answers it on a Core
connection with one statement (the caller, the device, the rule facts and the repeat check) and
one insert, where the ORM path loads the user and the device and asks for the facts and the
repeat separately. It restates no rule: the device's visibility is ``policy.device_visibility``
(the expression of ``visible_devices``, scoped by the role and organisation the token states and
the account is then held to), the facts are ``rules.record_columns`` (the select the ORM path
reads), the rules are ``rules.next_statuses``, and the token check is ``require_claims_hold``.
It reads rows, never half-loaded ORM objects. A test holds its answers to the ORM path's for
every status, every role and a returned device.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Connection, Integer, Select, and_, bindparam, exists, select, text
from sqlalchemy.orm import Session

from collecte.auth.deps import require_claims_hold, token_claims
from collecte.auth.models import Role, User
from collecte.auth.policy import Principal, does_workshop_work
from collecte.config import Settings
from collecte.core.errors import (
    Forbidden,
    InvalidCodeError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
)
from collecte.core.events import EventKind
from collecte.core.types import UTCDateTime, utcnow
from collecte.core.vocabulary import N_
from collecte.devices import codes, rules, service
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device, Scan
from collecte.devices.policy import device_visibility, require_work_on
from collecte.devices.schemas import DeviceOut

DUPLICATE_WINDOW = dt.timedelta(seconds=2)
SIMPLE_ACTIONS = ("print_label", "move", "hold", "release")


@dataclass(frozen=True)
class ScanResult:
    device: DeviceOut
    allowed_actions: list[str]
    applied: str | None
    duplicate: bool


def require_scan_role(viewer: Principal) -> None:
    """The scan station is for the operator and workshop staff."""
    if not does_workshop_work(viewer):
        raise Forbidden(
            "may_not_scan", N_("a %(role)s may not use the scan station"), role=viewer.role
        )


def allowed_actions(session: Session, device: Device) -> list[str]:
    """The actions a scan of this device may apply now. Whoever may scan a device may work on it
    (a scan role that sees the device: a test holds this for every role), so the list is the
    device's, not the person's."""
    return _actions(rules.device_facts(session, device))


def _actions(facts: rules.DeviceFacts) -> list[str]:
    actions = ["print_label", "move", "release" if facts.hold_reason else "hold"]
    return actions + [f"to:{status.value}" for status in rules.next_statuses(facts)]


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
    require_scan_role(viewer)
    now = now or utcnow()
    device = service.get_device(session, viewer=viewer, raw_code=raw_code)
    action = (action or "").strip() or None
    duplicate = _is_repeat(session, device=device, viewer=viewer, action=action or "", now=now)
    if action is not None and not duplicate:
        require_work_on(viewer, device)
        _apply(
            session,
            device=device,
            viewer=viewer,
            action=action,
            site_id=site_id,
            reason=reason,
            note=note,
        )
    session.flush()  # the action's writes go before the scan row, on the same connection
    _record_scan(
        session.connection(),
        device_id=device.id,
        user_id=viewer.id,
        action=action,
        duplicate=duplicate,
        now=now,
    )
    return ScanResult(
        device=DeviceOut.model_validate(device),
        allowed_actions=allowed_actions(session, device),
        applied=None if duplicate else action,
        duplicate=duplicate,
    )


def _record_scan(
    connection: Connection,
    *,
    device_id: int,
    user_id: int,
    action: str | None,
    duplicate: bool,
    now: dt.datetime,
) -> None:
    # Plain SQL on the connection: nothing reads the Scan object back, and a Core ``insert(Scan)``
    # cost twice the CPU of this text statement (measured in-process: 320 against 158 µs).
    connection.execute(
        _INSERT_SCAN,
        {
            "device_id": device_id,
            "user_id": user_id,
            "action": action or "",
            "duplicate": duplicate,
            "at": now,
        },
    )


_INSERT_SCAN = text(
    "INSERT INTO scans (device_id, user_id, action, duplicate, at)"
    " VALUES (:device_id, :user_id, :action, :duplicate, :at)"
).bindparams(bindparam("at", type_=UTCDateTime()), bindparam("duplicate", type_=Boolean()))


# What the answer shows of the device (DeviceOut's fields), labelled apart from the caller's.
_DEVICE_FIELDS = ("id", *DeviceOut.model_fields)
_USER_FIELDS = ("id", "role", "organization_id", "active", "password_hash", "token_version")


def _lookup_statement(role: Role) -> Select[Any]:
    """The caller, the device the code names if the caller may see it, its rule facts and whether
    this is a repeat, in one statement. Built once per role: the device's visibility is
    ``device_visibility``, the expression every device list uses, with the organisation bound."""
    visible = device_visibility(role, bindparam("viewer_org", type_=Integer()))
    repeat = (
        exists()
        .where(
            Scan.device_id == Device.id,
            Scan.user_id == User.id,
            Scan.action == "",
            Scan.duplicate.is_(False),
            Scan.at > bindparam("since", type_=UTCDateTime()),
        )
        .label("repeat")
    )
    return (
        select(
            *(getattr(User, name).label(f"u_{name}") for name in _USER_FIELDS),
            *(getattr(Device, name).label(f"d_{name}") for name in _DEVICE_FIELDS),
            *rules.record_columns(),
            repeat,
        )
        .select_from(User)
        .outerjoin(Device, and_(Device.code == bindparam("code"), visible))
        .where(User.id == bindparam("user_id"))
    )


_LOOKUPS: dict[Role, Select[Any]] = {}


def look_up(
    connection: Connection, *, settings: Settings, token: str | None, raw_code: str
) -> ScanResult:
    """A plain scan (no action) by the bearer of ``token``: 401, 403, 422 and 404 as on the ORM
    path, in that order, and the scan recorded (a repeat within two seconds flagged)."""
    claims = token_claims(settings, token)
    viewer = claims.principal
    try:
        code: str | None = service.parse_scanned(raw_code)
    except InvalidCodeError as exc:  # reported once the caller is known: 401 and 403 come first
        code, invalid = None, exc
    statement = _LOOKUPS.get(viewer.role)
    if statement is None:
        statement = _LOOKUPS.setdefault(viewer.role, _lookup_statement(viewer.role))
    now = utcnow()
    params = {
        "user_id": viewer.id,
        "viewer_org": viewer.organization_id,
        "code": code or "",
        "since": now - DUPLICATE_WINDOW,
    }
    row = connection.execute(statement, params).mappings().first()
    if row is None:
        raise NotAuthenticated(
            "token_account_inactive", N_("the token no longer names an active account")
        )
    require_claims_hold(
        claims,
        active=row["u_active"],
        password_hash=row["u_password_hash"],
        token_version=row["u_token_version"],
        role=row["u_role"],
        organization_id=row["u_organization_id"],
    )
    require_scan_role(viewer)
    if code is None:
        raise invalid
    if row["d_id"] is None:
        raise NotFound("not_found", N_("no device %(code)s"), code=codes.format_code(code))
    duplicate = bool(row["repeat"])
    _record_scan(
        connection,
        device_id=row["d_id"],
        user_id=viewer.id,
        action=None,
        duplicate=duplicate,
        now=now,
    )
    # The rules' state columns are among the device's own (DeviceOut's), read once.
    state = {name: row[f"d_{column.key}"] for name, column in rules.STATE_COLUMNS.items()}
    facts = rules.facts_of(state, row)
    device = DeviceOut.model_validate({name: row[f"d_{name}"] for name in DeviceOut.model_fields})
    return ScanResult(
        device=device,
        allowed_actions=_actions(facts),
        applied=None,
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
            raise InvalidInput(
                "unknown_action_status",
                N_("unknown status in action '%(action)s'"),
                action=action,
            ) from exc
        service.transition_device(session, device=device, actor=viewer, to=target, note=note)
    elif action == "move":
        if site_id is None:
            raise InvalidInput("site_required", N_("the move action needs site_id"))
        service.move_device(session, device=device, actor=viewer, site_id=site_id, note=note)
    elif action == "hold":
        service.hold_device(session, device=device, actor=viewer, reason=reason or "")
    elif action == "release":
        service.release_device(session, device=device, actor=viewer, note=note)
    elif action == "print_label":
        service.record_device_event(
            session, device=device, actor=viewer, kind=EventKind.LABEL_PRINTED, note=note
        )
    else:
        raise InvalidInput(
            "unknown_action",
            N_("unknown action '%(action)s'; use one of %(actions)s or to:<status>"),
            action=action,
            actions=", ".join(SIMPLE_ACTIONS),
        )
