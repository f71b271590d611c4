"""The scan station's "allocate to request N" mode: each scan binds the device to that request
through ``allocating.allocate_device``; a repeat is told apart from a refusal."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.devices.codes import format_code
from collecte.devices.lifecycle import DeviceStatus
from tests.factories.partners import PartnerFlow
from tests.pickups.pagehelpers import Browser


def _scan(visitor: Browser, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    answer = visitor.client.post("/scan/submit", json=body, headers={"X-CSRF-Token": visitor.token})
    return answer.status_code, answer.json()


def test_allocate_mode_binds_scanned_devices_to_the_chosen_request(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    laptop = flow.available(1)[0]
    tablet = flow.available(1, category="tablet")[0]
    request = flow.request([{"category": "laptop", "quantity": 1}])
    coordinator = browser(flow.coordinator)
    page = coordinator.get("/scan").text
    assert '<option value="allocate">' in page
    assert f'<option value="{request.id}">' in page.split('id="scan-request"')[1]

    status, answer = _scan(
        coordinator,
        {"code": format_code(laptop.code), "action": "allocate", "request_id": request.id},
    )
    assert status == 200, answer
    assert answer["applied"] == "allocate"
    assert answer["applied_label"] == f"attribué à la demande n° {request.id}"
    assert answer["device"]["status"] == "allocated"  # type: ignore[index]
    db.refresh(laptop)
    assert laptop.status is DeviceStatus.ALLOCATED

    status, again = _scan(
        coordinator, {"code": laptop.code, "action": "allocate", "request_id": request.id}
    )
    assert (status, again["duplicate"], again["applied"]) == (200, True, None)
    status, refused = _scan(
        coordinator, {"code": tablet.code, "action": "allocate", "request_id": request.id}
    )
    assert (status, refused["code"]) == (409, "device_meets_no_line")
    assert format_code(tablet.code) in str(refused["detail"])
    other = flow.request([{"category": "laptop", "quantity": 1}])
    status, elsewhere = _scan(
        coordinator, {"code": laptop.code, "action": "allocate", "request_id": other.id}
    )
    assert (status, elsewhere["code"]) == (409, "device_already_allocated")
    assert f"demande {request.id}" in str(elsewhere["detail"])
    status, no_request = _scan(coordinator, {"code": tablet.code, "action": "allocate"})
    assert (status, no_request["code"]) == (422, "request_required")
    db.refresh(tablet)
    assert tablet.status is DeviceStatus.AVAILABLE


def test_a_technician_has_no_allocate_mode(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    device = flow.available(1)[0]
    request = flow.request([{"category": "laptop", "quantity": 1}])
    technician = browser(flow.workshop.technician)
    assert 'value="allocate"' not in technician.get("/scan").text
    status, refused = _scan(
        technician, {"code": device.code, "action": "allocate", "request_id": request.id}
    )
    assert (status, refused["code"]) == (403, "may_not_decide_request")
    db.refresh(device)
    assert device.status is DeviceStatus.AVAILABLE
