"""Request pages: the partner files and follows its requests; the coordinator's queue decides,
changes lines, previews and runs the allocation; who sees and does what (as the API matrix says)."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.devices.lifecycle import DeviceStatus
from collecte.requests import allocating
from collecte.requests.lifecycle import RequestStatus
from collecte.requests.models import EquipmentRequest, RequestLine
from tests.factories.partners import PartnerFlow
from tests.pickups.pagehelpers import Browser
from tests.requests.conftest import Outsiders


def _request_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(EquipmentRequest)) or 0


def _form(**rows: str) -> dict[str, str]:
    base = {"rows": "1", "beneficiaries_count": "", "needed_by": "", "note": "", "op": "send"}
    return {**base, **rows}


# --- the partner's form ---------------------------------------------------------------------------


def test_partner_adds_and_removes_lines_then_sends_its_request(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    partner = browser(flow.partner_user)
    page = partner.get("/requests/new")
    assert page.status_code == 200
    assert 'id="line_0_category"' in page.text
    assert 'id="line_1_category"' not in page.text

    # "add a line" re-draws the form with what was typed and one more row; nothing is written
    added = partner.post(
        "/requests/new", _form(line_0_category="laptop", line_0_quantity="3", op="add")
    )
    assert added.status_code == 200
    assert 'id="line_1_category"' in added.text
    assert re.search(r'id="line_0_quantity" name="line_0_quantity" value="3"', added.text)
    assert _request_count(db) == 0
    # removing the first of two rows keeps the second's values, now first
    removed = partner.post(
        "/requests/new",
        _form(
            rows="2",
            line_0_category="laptop",
            line_0_quantity="3",
            line_1_category="smartphone",
            line_1_quantity="2",
            op="remove:0",
        ),
    )
    assert 'id="line_1_category"' not in removed.text
    assert '<option value="smartphone" selected>' in removed.text
    assert _request_count(db) == 0

    sent = partner.post(
        "/requests/new",
        _form(
            rows="3",
            line_0_category="laptop",
            line_0_quantity="3",
            line_0_min_ram_gb="8",
            line_0_min_grade="B",
            line_1_category="smartphone",
            line_1_quantity="2",
            beneficiaries_count="4",
            needed_by="2026-12-20",
            note="Pour l'atelier numérique",
        ),
    )  # the third row, left empty, is no line
    assert sent.status_code == 303, sent.text
    request_id = int(re.search(r"/requests/(\d+)\?done=submitted", sent.headers["location"])[1])  # type: ignore[index]
    stored = db.get_one(EquipmentRequest, request_id)
    assert stored.partner_id == flow.partner.id
    assert stored.beneficiaries_count == 4
    lines = db.scalars(select(RequestLine).where(RequestLine.request_id == request_id)).all()
    assert [(x.category.value, x.quantity, x.min_ram_gb, x.min_grade) for x in lines] == [
        ("laptop", 3, 8, "B"),
        ("smartphone", 2, None, None),
    ]
    shown = partner.get(sent.headers["location"]).text
    assert 'id="done"' in shown
    assert 'id="waiting-note"' in shown
    assert "3 × Ordinateur portable" in shown


def test_a_wrong_request_is_shown_again_and_nothing_is_written(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    partner = browser(flow.partner_user)
    empty = partner.post("/requests/new", _form())
    assert empty.status_code == 422
    assert 'id="e-lines"' in empty.text
    wrong = partner.post(
        "/requests/new",
        _form(
            line_0_category="laptop",
            line_0_quantity="0",
            line_0_min_ram_gb="huit",
            needed_by="31/02/2026",
            note="garder ce texte",
        ),
    )
    assert wrong.status_code == 422
    for name in ("line_0_quantity", "line_0_min_ram_gb", "needed_by"):
        assert f'id="e-{name}"' in wrong.text, name
    assert "garder ce texte" in wrong.text
    assert _request_count(db) == 0


# --- following a request ---------------------------------------------------------------------------


def test_partner_follows_its_request_and_cancels_another(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    flow.available(3)
    served = flow.request([{"category": "laptop", "quantity": 3}])
    codes = flow.allocate(served)
    flow.deliver(flow.ship(served, codes[:1]))
    flow.ship(served, codes[1:2])
    waiting = flow.request([{"category": "tablet", "quantity": 1}], approve=False)

    partner = browser(flow.partner_user)
    listing = partner.get("/requests").text
    card = listing.split(f'id="request-{served.id}"')[1].split("</li>\n  \n")[0]
    assert '<span data-count="allocated">3 attribués</span>' in card
    assert '<span data-count="shipped">2 expédiés</span>' in card
    assert '<span data-count="delivered">1 livré</span>' in card
    assert f'id="request-{waiting.id}"' in listing
    page = partner.get(f"/requests/{served.id}").text
    assert '<dd data-count="delivered">1</dd>' in page
    assert "fulfilment-partial" in page
    assert 'id="decide"' not in page
    assert 'id="allocate"' not in page

    refused = partner.post(f"/requests/{waiting.id}/cancel", {"reason": "whatever"})
    assert refused.status_code == 422
    done = partner.post(
        f"/requests/{waiting.id}/cancel", {"reason": "no_longer_needed", "note": "déjà équipés"}
    )
    assert done.status_code == 303
    db.refresh(waiting)
    assert waiting.status is RequestStatus.CANCELLED
    assert "Plus nécessaire" in partner.get(f"/requests/{waiting.id}").text


# --- the coordinator's queue -------------------------------------------------------------------------


def test_queue_filters_and_approves_from_the_queue(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    submitted = flow.request(approve=False)
    approved = flow.request()
    rejected = flow.request(approve=False)
    from collecte.requests import service

    service.reject_request(db, viewer=flow.coordinator, request=rejected, reason="no stock")
    coordinator = browser(flow.coordinator)
    queue = coordinator.get("/requests").text  # open ones by default
    assert f'id="request-{submitted.id}"' in queue
    assert f'id="request-{approved.id}"' in queue
    assert f'id="request-{rejected.id}"' not in queue
    only = coordinator.get("/requests?status=submitted").text
    assert f'id="request-{approved.id}"' not in only
    assert f'id="approve-{submitted.id}"' in only
    assert f'id="request-{rejected.id}"' in coordinator.get("/requests?status=rejected").text

    approve = coordinator.post(
        f"/requests/{submitted.id}/approve", {"note": "", "next": "/requests?status=submitted"}
    )
    assert approve.status_code == 303
    assert approve.headers["location"] == "/requests?status=submitted&done=approved"
    db.refresh(submitted)
    assert submitted.status is RequestStatus.APPROVED


def test_reject_with_a_reason_and_change_lines(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    flow.available(1)
    request = flow.request(
        [{"category": "laptop", "quantity": 3}, {"category": "tablet", "quantity": 2}]
    )
    laptops, tablets = request.lines
    flow.allocate(request)  # one laptop bound
    coordinator = browser(flow.coordinator)
    page = coordinator.get(f"/requests/{request.id}").text
    assert f'id="line-{laptops.id}"' in page
    assert 'id="cancel"' in page

    no_reason = coordinator.post(
        f"/requests/{request.id}/lines/{laptops.id}", {"quantity": "2", "reason": ""}
    )
    assert no_reason.status_code == 422
    assert f'id="e-line_{laptops.id}_reason"' in no_reason.text
    too_low = coordinator.post(
        f"/requests/{request.id}/lines/{laptops.id}", {"quantity": "0", "reason": "budget"}
    )
    assert too_low.status_code == 409
    assert "ne peut pas descendre" in too_low.text or "déjà" in too_low.text
    cut = coordinator.post(
        f"/requests/{request.id}/lines/{laptops.id}", {"quantity": "1", "reason": "stock"}
    )
    assert cut.headers["location"] == f"/requests/{request.id}?done=line"
    swap = coordinator.post(
        f"/requests/{request.id}/lines/{tablets.id}",
        {"quantity": "", "category": "smartphone", "reason": "plus de tablettes"},
    )
    assert swap.status_code == 303
    db.refresh(laptops)
    db.refresh(tablets)
    assert (laptops.quantity, tablets.category.value) == (1, "smartphone")

    other = flow.request(approve=False)
    assert coordinator.post(f"/requests/{other.id}/reject", {"reason": ""}).status_code == 422
    assert (
        coordinator.post(f"/requests/{other.id}/reject", {"reason": "hors zone"}).status_code == 303
    )
    db.refresh(other)
    assert (other.status, other.decision_note) == (RequestStatus.REJECTED, "hors zone")
    assert "hors zone" in browser(flow.partner_user).get(f"/requests/{other.id}").text


def test_the_preview_binds_nothing_and_the_run_binds_what_it_showed(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    best = flow.available(1, functional="F5", cosmetic="C6")[0]  # grade A
    modest = flow.available(1, functional="F4", cosmetic="C3")[0]  # grade C
    request = flow.request([{"category": "laptop", "quantity": 1}])
    coordinator = browser(flow.coordinator)
    page = coordinator.get(f"/requests/{request.id}").text
    plan = page.split('id="plan"')[1].split("</table>")[0]
    assert f'data-code="{modest.code}"' in plan  # best fit: the least capable device that meets
    assert f'data-code="{best.code}"' not in plan
    db.refresh(modest)
    assert modest.status is DeviceStatus.AVAILABLE  # the preview wrote nothing

    ran = coordinator.post(f"/requests/{request.id}/allocate", {})
    assert ran.headers["location"] == f"/requests/{request.id}?done=allocate"
    db.refresh(modest)
    db.refresh(best)
    assert (modest.status, best.status) == (DeviceStatus.ALLOCATED, DeviceStatus.AVAILABLE)
    assert 'id="nothing-to-allocate"' in coordinator.get(f"/requests/{request.id}").text


def test_allocate_all_preview_then_run(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    devices = flow.available(2)
    first = flow.request([{"category": "laptop", "quantity": 1}])
    second = flow.request([{"category": "laptop", "quantity": 2}])
    planned = allocating.preview_all(db, viewer=flow.coordinator)
    assert [(p.request.id, len(p.device_ids), p.unfilled) for p in planned] == [
        (first.id, 1, 0),
        (second.id, 1, 1),
    ]
    coordinator = browser(flow.coordinator)
    preview = coordinator.get("/requests/allocate").text
    assert '<span class="figure">2</span>' in preview.split('id="preview-totals"')[1]
    assert all(d.status is DeviceStatus.AVAILABLE for d in devices)
    ran = coordinator.post("/requests/allocate", {})
    assert ran.headers["location"] == "/requests?status=approved&done=allocated&count=2"
    assert "2 appareils attribués" in coordinator.get(ran.headers["location"]).text
    for device in devices:
        db.refresh(device)
        assert device.status is DeviceStatus.ALLOCATED


# --- who sees and does what ---------------------------------------------------------------------------


def test_request_pages_answer_as_the_api_matrix_says(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow, outsiders: Outsiders
) -> None:
    flow.available(1)
    request = flow.request([{"category": "laptop", "quantity": 2}], note="SECRET-NOTE")
    line = request.lines[0]
    base = f"/requests/{request.id}"
    decide = [f"{base}/approve", f"{base}/reject", f"{base}/lines/{line.id}", f"{base}/allocate"]

    stranger = browser(outsiders.other_partner)
    assert stranger.get(base).status_code == 404
    for url in [*decide, f"{base}/cancel"]:
        assert stranger.post(url, {"reason": "other", "quantity": "1"}).status_code == 404, url
    assert "SECRET-NOTE" not in stranger.get("/requests?status=all").text
    assert stranger.get("/requests/new").status_code == 200  # its own form
    assert stranger.get("/requests/allocate").status_code == 403

    donor = browser(outsiders.donor)
    assert donor.get(base).status_code == 404
    for url in [*decide, f"{base}/cancel"]:
        assert donor.post(url, {"reason": "other", "quantity": "1"}).status_code == 404, url
    assert 'id="no-requests"' in donor.get("/requests?status=all").text
    assert donor.get("/requests/new").status_code == 403
    assert donor.get("/requests/allocate").status_code == 403

    technician = browser(outsiders.technician)
    assert technician.get(base).status_code == 200
    assert f'id="request-{request.id}"' in technician.get("/requests").text
    for url in [*decide, f"{base}/cancel"]:
        assert technician.post(url, {"reason": "other", "quantity": "1"}).status_code == 403, url
    assert technician.get("/requests/new").status_code == 403
    assert technician.post("/requests/allocate", {}).status_code == 403

    # the partner itself reads it, may cancel it, may not decide on it
    partner = browser(flow.partner_user)
    assert partner.get(base).status_code == 200
    assert partner.post(f"{base}/approve", {}).status_code == 403
    assert partner.post("/requests/allocate", {}).status_code == 403
    db.refresh(request)
    assert request.status is RequestStatus.APPROVED


def test_the_pages_speak_english_when_asked(
    browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    request = flow.request(approve=False)
    partner = browser(flow.partner_user)
    partner.client.cookies.set("collecte_lang", "en")
    form = partner.get("/requests/new").text
    assert "Ask for equipment" in form
    assert "+ Add a line" in form
    assert "Demander du matériel" not in form
    listing = partner.get("/requests").text
    assert "My requests" in listing
    assert "Awaiting an answer" in listing
    assert "Deliveries" in partner.get(f"/requests/{request.id}").text  # the nav
