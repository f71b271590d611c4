"""Hand-overs: a delivered device to a beneficiary known by a pseudonym only; corrected by its
author the same day; undone by a return."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role
from collecte.config import Settings
from collecte.core.events import Event, EventKind
from collecte.devices.lifecycle import DeviceStatus
from collecte.shipments.models import Handover
from tests.factories.accounts import auth_headers, make_user
from tests.factories.devices import Workshop
from tests.factories.partners import PartnerFlow


@pytest.fixture
def flow(db: Session) -> PartnerFlow:
    return PartnerFlow(Workshop(db))


def _as(settings: Settings, user: Any) -> dict[str, str]:
    return auth_headers(settings, user)


def _hand_over(client: TestClient, settings: Settings, flow: PartnerFlow, **body: Any) -> Any:
    return client.post("/api/v1/handovers", json=body, headers=_as(settings, flow.partner_user))


@pytest.mark.parametrize(
    "reference",
    [
        "marie.dupont@example.org",
        "06 12 34 56 78",
        "+33612345678",
        "06.12.34.56.78",
        "famille 0612345678",
        "",
        "   ",
        "x" * 61,
        "FAM\x00-1",
    ],
)
def test_a_beneficiary_is_never_named_by_an_email_or_a_phone(
    client: TestClient, settings: Settings, flow: PartnerFlow, reference: str
) -> None:
    (device,) = flow.available(1)
    flow.delivered(device)
    refused = _hand_over(client, settings, flow, device_code=device.code, beneficiary_ref=reference)
    assert refused.status_code == 422, refused.text
    assert device.status is DeviceStatus.DELIVERED


def test_a_hand_over_records_the_pseudonym_and_the_optional_facts(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    (device,) = flow.available(1)
    flow.delivered(device)
    answer = _hand_over(
        client,
        settings,
        flow,
        device_code=device.code,
        beneficiary_ref="FAM-2026-017",
        age_band="26_64",
        situation="job_seeker",
        postcode="93200",
        price_paid_eur=30,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["beneficiary_ref"], body["age_band"], body["price_paid_eur"]) == (
        "FAM-2026-017",
        "26_64",
        30,
    )
    db.refresh(device)
    assert device.status is DeviceStatus.HANDED_OVER
    event = db.scalars(
        select(Event).where(Event.device_id == device.id, Event.kind == EventKind.HANDED_OVER)
    ).one()
    assert (event.beneficiary_ref, event.partner_id) == ("FAM-2026-017", flow.partner.id)
    twice = _hand_over(client, settings, flow, device_code=device.code, beneficiary_ref="FAM-2")
    assert (twice.status_code, twice.json()["code"]) == (409, "not_handable")


def test_only_a_delivered_device_of_ones_own_is_handed_over(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    shipped, stock = flow.available(2)
    flow.take_to(shipped, DeviceStatus.SHIPPED)
    not_yet = _hand_over(client, settings, flow, device_code=shipped.code, beneficiary_ref="A-1")
    assert (not_yet.status_code, not_yet.json()["code"]) == (409, "not_handable")
    unseen = _hand_over(client, settings, flow, device_code=stock.code, beneficiary_ref="A-1")
    assert unseen.status_code == 404
    other = PartnerFlow(flow.workshop, postcode="93100")
    (theirs,) = other.available(1)
    other.delivered(theirs)
    foreign = _hand_over(client, settings, flow, device_code=theirs.code, beneficiary_ref="A-1")
    assert foreign.status_code == 404


def test_the_author_corrects_a_hand_over_to_the_right_device_the_same_day(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    wrong, right = flow.available(2)
    flow.delivered(wrong)
    flow.delivered(right)
    handover = flow.hand_over(wrong, "FAM-9")
    colleague = make_user(db, role=Role.PARTNER, organization=flow.partner)
    path = f"/api/v1/handovers/{handover.id}/correct"
    not_author = client.post(
        path, json={"device_code": right.code}, headers=_as(settings, colleague)
    )
    assert not_author.status_code == 403
    corrected = client.post(
        path, json={"device_code": right.code}, headers=_as(settings, flow.partner_user)
    )
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["beneficiary_ref"] == "FAM-9"
    assert corrected.json()["device_code"] == right.code
    db.refresh(wrong)
    db.refresh(right)
    assert (wrong.status, right.status) == (DeviceStatus.DELIVERED, DeviceStatus.HANDED_OVER)
    db.refresh(handover)
    assert handover.undone_at is not None
    again = client.post(
        path, json={"device_code": right.code}, headers=_as(settings, flow.partner_user)
    )
    assert (again.status_code, again.json()["code"]) == (409, "handover_undone")


def test_a_correction_the_next_day_is_refused(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    wrong, right = flow.available(2)
    flow.delivered(wrong)
    flow.delivered(right)
    handover = flow.hand_over(wrong)
    handover.handed_over_at -= dt.timedelta(days=1)
    db.flush()
    late = client.post(
        f"/api/v1/handovers/{handover.id}/correct",
        json={"device_code": right.code},
        headers=_as(settings, flow.partner_user),
    )
    assert (late.status_code, late.json()["code"]) == (409, "handover_correction_too_late")


def test_a_return_undoes_the_hand_over(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    (device,) = flow.available(1)
    flow.delivered(device)
    handover = flow.hand_over(device)
    returned = client.post(
        "/api/v1/returns",
        json={"device_code": device.code, "reason": "panne", "personal_data_removed": True},
        headers=_as(settings, flow.partner_user),
    )
    assert returned.status_code == 201, returned.text
    db.refresh(handover)
    assert handover.undone_at is not None
    assert handover.undo_reason.startswith("returned")


def test_hand_overs_are_the_partners_own(
    client: TestClient, db: Session, settings: Settings, flow: PartnerFlow
) -> None:
    (device,) = flow.available(1)
    flow.delivered(device)
    handover = flow.hand_over(device)
    listed = client.get("/api/v1/handovers", headers=_as(settings, flow.partner_user)).json()
    assert [h["id"] for h in listed] == [handover.id]
    other = PartnerFlow(flow.workshop, postcode="93100")
    assert client.get("/api/v1/handovers", headers=_as(settings, other.partner_user)).json() == []
    # The workshop knows the device was handed over, never to whom.
    assert client.get("/api/v1/handovers", headers=_as(settings, flow.coordinator)).json() == []
    assert db.scalar(select(Handover.beneficiary_ref)) == "FAM-001"
