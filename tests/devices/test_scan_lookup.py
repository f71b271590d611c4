"""The plain scan (no action) answered in one look-up: same rules, same answers as the full path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.auth.policy import WORKSHOP_WORKERS
from collecte.auth.tokens import issue_token
from collecte.config import Settings
from collecte.core.errors import CollecteError, InvalidCodeError, NotAuthenticated, NotFound
from collecte.core.types import utcnow
from collecte.devices import codes, scanning, service
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device, Scan
from collecte.devices.policy import can_work_on, visible_devices
from collecte.devices.schemas import DeviceOut
from collecte.devices.service import change_status
from collecte.orgs.models import OrgKind
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return Workshop(db)


def _look_up(
    db: Session, *, settings: Settings, token: str | None, raw_code: str
) -> scanning.ScanResult:
    db.flush()  # what the test set up is visible on the session's connection
    return scanning.look_up(db.connection(), settings=settings, token=token, raw_code=raw_code)


def _token(settings: Settings, user: User) -> str:
    return issue_token(settings.effective_secret_key, user)


def _in_every_status(workshop: Workshop, flow: PartnerFlow) -> list[Device]:
    """One device in each status, reached through the services, and one returned device that was
    available before (its old records must not count)."""
    tech, db = workshop.technician, workshop.db
    devices = []
    for status in DeviceStatus:
        device = workshop.receive(serial=f"S-{status.value}")
        path: list[DeviceStatus] = []
        if status is DeviceStatus.DIAGNOSED:
            workshop.diagnose(device)
        elif status is DeviceStatus.WIPED:
            workshop.wipe(device)
        elif status is DeviceStatus.IN_REPAIR:
            path = [DeviceStatus.IN_REPAIR]
        elif status is DeviceStatus.GRADED:
            workshop.diagnose(device)
            workshop.grade(device)
        elif status in (DeviceStatus.PARTS, DeviceStatus.RECYCLED, DeviceStatus.LOST):
            path = [status]
        elif status is not DeviceStatus.RECEIVED:
            workshop.make_available(device)
            if status is not DeviceStatus.AVAILABLE:
                flow.take_to(device, status)
        for step in path:
            change_status(db, device=device, actor=tech, to=step)
        assert device.status is status
        devices.append(device)
    # Returned, then diagnosed and graded again: still no erasure since the return.
    again = devices[[d.status for d in devices].index(DeviceStatus.RETURNED)]
    workshop.diagnose(again)
    workshop.grade(again)
    assert again.status is DeviceStatus.GRADED
    return devices


def _answer(call: Callable[[], scanning.ScanResult]) -> tuple[object, ...]:
    """What a scan path answers: the refusal's kind, or the device and its allowed actions."""
    try:
        result = call()
    except CollecteError as exc:
        return (exc.kind,)
    return ("found", result.device.model_dump(), tuple(result.allowed_actions))


def test_look_up_answers_as_the_full_path_for_every_status_and_role(
    db: Session, workshop: Workshop, settings: Settings
) -> None:
    """Visibility, device and allowed actions: the same on both paths, for every role (the own
    workshop's staff and another's, the device's donor and another), every status and a device
    returned after it was available."""
    flow = PartnerFlow(workshop)
    devices = _in_every_status(workshop, flow)
    devices.append(Workshop(db).receive(serial="THEIRS"))
    viewers = [make_user(db, role=role) for role in Role]
    viewers += [
        make_user(db, role=Role.TECHNICIAN, organization=workshop.organization),
        make_user(db, role=Role.COORDINATOR, organization=workshop.organization),
        make_user(db, role=Role.DONOR, organization=workshop.donor),
        # The partner the devices of the partner flow were sent to (it sees them until returned).
        flow.partner_user,
    ]
    answers: set[tuple[object, ...]] = set()
    for viewer in viewers:
        token = _token(settings, viewer)
        for device in devices:
            quick = _answer(
                partial(_look_up, db, settings=settings, token=token, raw_code=device.code)
            )
            full = _answer(partial(scanning.scan_code, db, viewer=viewer, raw_code=device.code))
            assert quick == full, (viewer.role, device.serial)
            answers.add(quick[:1] + quick[2:])
    # The cases really differ: refusals of both kinds and several sets of actions (the statuses of
    # the partner flow offer no status change at a scan: only the partner flow's services move them).
    assert {("forbidden",), ("not_found",)} <= answers
    assert len(answers) >= 6


def _prepared(workshop: Workshop) -> list[Device]:
    """Devices at the points where the facts change the allowed actions."""
    received = workshop.receive(serial="A")
    diagnosed = workshop.receive(serial="B")
    workshop.diagnose(diagnosed)
    wiped = workshop.receive(serial="C")
    workshop.diagnose(wiped)
    workshop.wipe(wiped)
    failed = workshop.receive(serial="D")
    workshop.diagnose(failed)
    workshop.wipe(failed, result="failed", verified=False)
    graded = workshop.receive(serial="E")
    workshop.diagnose(graded)
    workshop.wipe(graded)
    workshop.grade(graded)  # recording the grade moves it to graded
    assert graded.status is DeviceStatus.GRADED
    held = workshop.receive(serial="F")
    service.hold_device(workshop.db, device=held, actor=workshop.technician, reason="part")
    no_storage = workshop.receive(serial="G", has_storage=False)
    workshop.diagnose(no_storage)
    return [received, diagnosed, wiped, failed, graded, held, no_storage]


def test_look_up_answers_as_the_full_path(
    db: Session, workshop: Workshop, settings: Settings
) -> None:
    token = _token(settings, workshop.technician)
    answers = set()
    for device in _prepared(workshop):
        quick = _look_up(db, settings=settings, token=token, raw_code=device.code)
        full = scanning.scan_code(db, viewer=workshop.technician, raw_code=device.code)
        assert quick.allowed_actions == full.allowed_actions, device.serial
        assert DeviceOut.model_validate(quick.device) == DeviceOut.model_validate(full.device)
        answers.add(tuple(quick.allowed_actions))
    assert len(answers) >= 4  # the facts really differ between these devices


def test_look_up_refuses_revoked_and_inactive_tokens(
    db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    token = _token(settings, workshop.technician)
    assert _look_up(db, settings=settings, token=token, raw_code=device.code)
    workshop.technician.password_hash = "$argon2id$changed"
    db.flush()
    with pytest.raises(NotAuthenticated):
        _look_up(db, settings=settings, token=token, raw_code=device.code)
    other = make_user(db, role=Role.TECHNICIAN, organization=workshop.organization)
    other_token = _token(settings, other)
    other.active = False
    db.flush()
    with pytest.raises(NotAuthenticated):
        _look_up(db, settings=settings, token=other_token, raw_code=device.code)
    with pytest.raises(NotAuthenticated):
        _look_up(db, settings=settings, token=None, raw_code=device.code)
    removed = make_user(db, role=Role.TECHNICIAN, organization=workshop.organization)
    removed_token = _token(settings, removed)
    db.delete(removed)
    db.flush()
    with pytest.raises(NotAuthenticated):
        _look_up(db, settings=settings, token=removed_token, raw_code=device.code)


def test_look_up_order_of_refusals(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    bad_code = {"code": "7K3Q XMT5"}  # wrong check character
    assert client.post("/api/v1/scan", json=bad_code).status_code == 401
    partner = make_user(db, role=Role.PARTNER)
    assert (
        client.post(
            "/api/v1/scan", json=bad_code, headers=auth_headers(settings, partner)
        ).status_code
        == 403
    )
    refused = client.post(
        "/api/v1/scan", json=bad_code, headers=auth_headers(settings, workshop.technician)
    )
    assert (refused.status_code, refused.json()["error"]) == (422, "invalid_code")
    unknown = client.post(
        "/api/v1/scan",
        json={"code": codes.generate_code()},
        headers=auth_headers(settings, workshop.technician),
    )
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")


def test_look_up_hides_other_workshops_and_donors_devices(
    db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    stranger = make_user(db, role=Role.TECHNICIAN)
    with pytest.raises(NotFound):
        _look_up(db, settings=settings, token=_token(settings, stranger), raw_code=device.code)
    coordinator = make_user(
        db, role=Role.COORDINATOR, organization=make_organization(db, kind=OrgKind.WORKSHOP)
    )
    with pytest.raises(NotFound):
        _look_up(db, settings=settings, token=_token(settings, coordinator), raw_code=device.code)
    with pytest.raises(InvalidCodeError):
        _look_up(db, settings=settings, token=_token(settings, stranger), raw_code="7K3QXMT5")


def test_plain_scans_within_two_seconds_count_once_through_the_api(
    client: TestClient, db: Session, workshop: Workshop, settings: Settings
) -> None:
    device = workshop.receive()
    headers = auth_headers(settings, workshop.technician)
    first = client.post("/api/v1/scan", json={"code": device.code}, headers=headers).json()
    again = client.post("/api/v1/scan", json={"code": device.code}, headers=headers).json()
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    # An action scan right after is not a repeat of the plain one.
    held = client.post(
        "/api/v1/scan",
        json={"code": device.code, "action": "hold", "reason": "pile"},
        headers=headers,
    ).json()
    assert (held["duplicate"], held["applied"]) == (False, "hold")
    assert device.hold_reason == "pile"


def test_whoever_may_scan_a_device_may_work_on_it(db: Session, workshop: Workshop) -> None:
    """Why the scan's allowed actions depend on the device only (scanning.allowed_actions)."""
    devices = [workshop.receive(serial="OURS"), Workshop(db).receive(serial="THEIRS")]
    scanners = [make_user(db, role=role) for role in WORKSHOP_WORKERS]
    scanners += [
        make_user(db, role=role, organization=workshop.organization)
        for role in WORKSHOP_WORKERS
        if role is not Role.ADMIN
    ]
    checked = 0
    for viewer in scanners:
        seen = set(db.scalars(visible_devices(viewer).with_only_columns(Device.id)))
        for device in devices:
            if device.id in seen:
                assert can_work_on(viewer, device), (viewer.role, device.serial)
                checked += 1
    assert checked >= len(WORKSHOP_WORKERS)


@pytest.mark.parametrize("path", ["look_up", "scan_code"])
def test_a_repeat_is_the_same_person_within_two_seconds(
    db: Session, workshop: Workshop, settings: Settings, path: str
) -> None:
    device = workshop.receive()
    colleague = make_user(db, role=Role.TECHNICIAN, organization=workshop.organization)

    def earlier_scan(user: User, seconds: float) -> None:
        at = utcnow() - dt.timedelta(seconds=seconds)
        db.add(Scan(device_id=device.id, user_id=user.id, action="", duplicate=False, at=at))
        db.flush()

    def is_repeat() -> bool:
        if path == "look_up":
            token = _token(settings, workshop.technician)
            result = _look_up(db, settings=settings, token=token, raw_code=device.code)
        else:
            result = scanning.scan_code(db, viewer=workshop.technician, raw_code=device.code)
        duplicate = result.duplicate
        db.execute(delete(Scan).where(Scan.user_id == workshop.technician.id))  # only the setup
        return duplicate

    earlier_scan(colleague, 0.5)  # someone else, just now
    assert not is_repeat()
    earlier_scan(workshop.technician, 3)  # the same person, but more than two seconds ago
    assert not is_repeat()
    earlier_scan(workshop.technician, 1)
    assert is_repeat()
