"""Shipment, delivery, hand-over and return pages: the workshop picks by scan and dispatches; the
partner confirms a partial delivery, records hand-overs and returns a device; who sees and does
what (as the API matrix says); the links from the nav and the home pages."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.devices.codes import format_code
from collecte.devices.lifecycle import DeviceStatus
from collecte.devices.models import Device
from collecte.shipments.lifecycle import ShipmentStatus
from collecte.shipments.models import Shipment
from tests.factories.partners import PartnerFlow
from tests.pickups.pagehelpers import Browser
from tests.requests.conftest import Outsiders


def _status(db: Session, device: Device) -> DeviceStatus:
    db.refresh(device)
    return device.status


def _dispatched(flow: PartnerFlow, count: int) -> tuple[Shipment, list[Device]]:
    devices = flow.available(count)
    request = flow.request([{"category": "laptop", "quantity": count}])
    flow.allocate(request)
    return flow.ship(request, [d.code for d in devices]), devices


def test_the_workshop_picks_by_scan_and_dispatches(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    first, second = flow.available(2)
    request = flow.request([{"category": "laptop", "quantity": 2}])
    flow.allocate(request)
    elsewhere = flow.available(1)[0]
    other_request = flow.request([{"category": "laptop", "quantity": 1}])
    flow.allocate(other_request)
    technician = browser(flow.workshop.technician)

    page = technician.get(f"/requests/{request.id}").text
    assert 'id="new-shipment-form"' in page
    started = technician.post(
        "/shipments/new", {"request_id": str(request.id), "carrier": "Kangoo"}
    )
    assert started.status_code == 303
    url = started.headers["location"].split("?")[0]
    page = technician.get(started.headers["location"]).text
    assert 'id="scan-input"' in page
    assert "autofocus" in page
    assert f'data-code="{first.code}"' in page.split('id="to-pick"')[1]
    shipment_id = int(url.rsplit("/", 1)[1])
    # The note lists what left: no link while the parcel is being prepared.
    assert "delivery-note.pdf" not in page

    # typed as a person would: lower case, with the space of the label
    picked = technician.post(f"{url}/pick", {"code": format_code(first.code).lower()})
    assert picked.headers["location"] == f"{url}?picked={first.code}"
    shown = technician.get(picked.headers["location"]).text
    assert 'id="scan-result"' in shown
    assert 'data-beep="ok"' in shown
    assert f'data-code="{first.code}"' in shown.split('id="picked"')[1]

    refused = technician.post(f"{url}/pick", {"code": elsewhere.code})
    assert refused.status_code == 409
    feedback = refused.text.split('id="scan-result"')[1].split("</p>")[0]
    assert format_code(elsewhere.code) in feedback
    assert f"demande {other_request.id}" in feedback
    assert technician.post(f"{url}/pick", {"code": "NOT-A-CODE"}).status_code == 422

    dispatched = technician.post(f"{url}/dispatch", {})
    assert dispatched.headers["location"] == f"{url}?done=dispatched"
    assert (_status(db, first), _status(db, second)) == (
        DeviceStatus.SHIPPED,
        DeviceStatus.ALLOCATED,
    )  # the device left out stays allocated, for the next parcel
    assert technician.post(f"{url}/pick", {"code": second.code}).status_code == 409
    sent = technician.get(url).text
    assert f'href="/shipments/{shipment_id}/delivery-note.pdf"' in sent
    note = technician.get(f"/shipments/{shipment_id}/delivery-note.pdf")
    assert note.status_code == 200
    assert note.headers["content-type"] == "application/pdf"


def test_the_partner_confirms_a_partial_delivery_by_scanning_and_ticking(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    shipment, (scanned, ticked, lost) = _dispatched(flow, 3)
    url = f"/shipments/{shipment.id}"
    partner = browser(flow.partner_user)
    listing = partner.get("/shipments").text
    assert f'id="shipment-{shipment.id}"' in listing
    assert "à confirmer" in listing
    page = partner.get(url).text
    assert 'id="deliver-form"' in page
    assert 'id="scan-input"' in page

    # a scan ticks the device and writes nothing
    form = {"op": "", "code": format_code(scanned.code)}
    once = partner.post(f"{url}/deliver", form)
    assert once.status_code == 200
    assert re.search(
        rf'id="received-{scanned.code}" name="received" value="{scanned.code}" checked', once.text
    )
    assert _status(db, scanned) is DeviceStatus.SHIPPED
    stranger = flow.available(1)[0]
    wrong = partner.post(f"{url}/deliver", {"received": scanned.code, "code": stranger.code})
    assert wrong.status_code == 409
    assert format_code(stranger.code) in wrong.text
    assert re.search(rf'value="{scanned.code}" checked', wrong.text)  # the ticks are kept

    confirmed = partner.post(
        f"{url}/deliver",
        {
            "op": "confirm",
            "received": [scanned.code, ticked.code],  # type: ignore[dict-item]
            f"outcome_{lost.code}": "lost",
            f"reason_{lost.code}": "damaged in transit",
        },
    )
    assert confirmed.headers["location"] == f"{url}?done=delivered"
    assert [_status(db, d) for d in (scanned, ticked, lost)] == [
        DeviceStatus.DELIVERED,
        DeviceStatus.DELIVERED,
        DeviceStatus.LOST,
    ]
    db.refresh(shipment)
    assert shipment.status is ShipmentStatus.DELIVERED
    after = partner.get(f"{url}?done=delivered").text
    assert f'id="hand-over-{scanned.code}"' in after
    assert f'id="return-{ticked.code}"' in after
    assert f'id="hand-over-{lost.code}"' not in after


def test_a_hand_over_scanned_then_named_by_a_pseudonym(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow, outsiders: Outsiders
) -> None:
    device = flow.available(1)[0]
    flow.delivered(device)
    partner = browser(flow.partner_user)
    page = partner.get("/handovers").text
    assert f'id="waiting-{device.code}"' in page

    # the scanner's Enter with only the code: the device is named, the pseudonym comes next
    named = partner.post("/handovers", {"device_code": format_code(device.code)})
    assert named.status_code == 200
    assert 'data-beep="ok"' in named.text
    assert re.search(
        r'id="beneficiary_ref" name="beneficiary_ref" value=""[^>]*autofocus', named.text
    )
    not_a_pseudonym = partner.post(
        "/handovers", {"device_code": device.code, "beneficiary_ref": "jean.dupont@example.org"}
    )
    assert not_a_pseudonym.status_code == 422
    assert "jamais une adresse e-mail" in not_a_pseudonym.text
    recorded = partner.post(
        "/handovers",
        {
            "device_code": device.code,
            "beneficiary_ref": "FAM-1789",
            "age_band": "26_64",
            "situation": "job_seeker",
            "postcode": "93200",
            "price_paid_eur": "15,50",
        },
    )
    assert recorded.headers["location"] == "/handovers?done=handover"
    assert _status(db, device) is DeviceStatus.HANDED_OVER
    listed = partner.get("/handovers").text.split('id="recorded"')[1]
    assert "FAM-1789" in listed
    assert "15,50" in listed
    assert "Demandeur d" in listed
    again = partner.post("/handovers", {"device_code": device.code, "beneficiary_ref": "FAM-7"})
    assert again.status_code == 409  # only a delivered device is handed over

    assert "FAM-1789" not in browser(outsiders.other_partner).get("/handovers").text
    for user in (outsiders.donor, outsiders.technician, flow.coordinator):
        seen = browser(user).get("/handovers")
        assert seen.status_code == 200
        assert "FAM-1789" not in seen.text


def test_the_partner_returns_a_device(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow
) -> None:
    device = flow.available(1)[0]
    flow.delivered(device)
    partner = browser(flow.partner_user)
    form = partner.get(f"/returns?code={device.code}").text
    assert f'value="{device.code}"' in form
    missing_reason = partner.post("/returns", {"device_code": device.code, "reason": ""})
    assert missing_reason.status_code == 422
    assert 'id="e-reason"' in missing_reason.text
    done = partner.post(
        "/returns",
        {"device_code": device.code, "reason": "ne convient pas", "personal_data_removed": "yes"},
    )
    assert done.headers["location"] == "/handovers?done=returned"
    assert _status(db, device) is DeviceStatus.RETURNED


def test_shipment_pages_answer_as_the_api_matrix_says(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow, outsiders: Outsiders
) -> None:
    shipment, (device,) = _dispatched(flow, 1)
    preparing = flow.request([{"category": "laptop", "quantity": 1}])
    flow.available(1)
    flow.allocate(preparing)
    from collecte.shipments import service as shipping

    parcel = shipping.create_shipment(
        db, viewer=flow.coordinator, request_id=preparing.id, device_codes=[], carrier=""
    )
    url, parcel_url = f"/shipments/{shipment.id}", f"/shipments/{parcel.id}"
    given = flow.available(1)[0]
    flow.delivered(given)  # what hand-overs and returns are recorded on
    handover = {"device_code": given.code, "beneficiary_ref": "X-1"}
    returned = {"device_code": given.code, "reason": "x"}

    stranger = browser(outsiders.other_partner)
    assert stranger.get(url).status_code == 404
    assert stranger.post(f"{url}/deliver", {"op": "confirm"}).status_code == 404
    for action in ("pick", "dispatch"):
        assert stranger.post(f"{parcel_url}/{action}", {"code": device.code}).status_code == 404
    assert stranger.post("/shipments/new", {"request_id": str(preparing.id)}).status_code == 404
    assert f'id="shipment-{shipment.id}"' not in stranger.get("/shipments").text
    assert stranger.post("/handovers", handover).status_code == 404
    assert stranger.post("/returns", returned).status_code == 404

    donor = browser(outsiders.donor)
    assert donor.get(url).status_code == 404
    assert donor.post(f"{url}/deliver", {"op": "confirm"}).status_code == 404
    assert donor.post(f"{parcel_url}/dispatch", {}).status_code == 404
    assert 'id="no-shipments"' in donor.get("/shipments").text
    assert donor.get("/returns").status_code == 403
    assert donor.post("/returns", returned).status_code == 403
    assert donor.post("/handovers", handover).status_code == 403

    technician = browser(outsiders.technician)
    assert technician.get(url).status_code == 200
    assert technician.post(f"{url}/deliver", {"op": "confirm"}).status_code == 403
    assert technician.get("/returns").status_code == 403
    assert (
        technician.post("/returns", {"device_code": device.code, "reason": "x"}).status_code == 409
    )

    partner = browser(flow.partner_user)
    assert partner.get(parcel_url).status_code == 200
    assert 'id="pick-form"' not in partner.get(parcel_url).text
    assert partner.post(f"{parcel_url}/pick", {"code": device.code}).status_code == 403
    assert partner.post(f"{parcel_url}/dispatch", {}).status_code == 403
    assert _status(db, device) is DeviceStatus.SHIPPED
    assert _status(db, given) is DeviceStatus.DELIVERED


def test_the_printed_documents_are_the_partners_own(
    browser: Callable[[User], Browser], flow: PartnerFlow, outsiders: Outsiders
) -> None:
    """The delivery note and the hand-over receipt, as the pages serve them (session cookie)."""
    shipment, (device,) = _dispatched(flow, 1)
    flow.deliver(shipment)
    handover = flow.hand_over(device)
    note, receipt = (
        f"/shipments/{shipment.id}/delivery-note.pdf",
        f"/handovers/{handover.id}/receipt.pdf",
    )
    partner = browser(flow.partner_user)
    for url in (note, receipt):
        answer = partner.get(url)
        assert answer.status_code == 200, url
        assert answer.content.startswith(b"%PDF")
    assert f'href="{receipt}"' in partner.get("/handovers").text
    for outsider, expected in (
        (outsiders.other_partner, {note: 404, receipt: 404}),
        (outsiders.donor, {note: 404, receipt: 404}),
        # The workshop prints the note; to whom a device went is none of its business.
        (outsiders.technician, {note: 200, receipt: 404}),
    ):
        seen = browser(outsider)
        assert {url: seen.get(url).status_code for url in (note, receipt)} == expected
    assert partner.get("/handovers/99999999999999/receipt.pdf").status_code == 404


def test_the_nav_and_home_pages_lead_to_the_partner_flow(
    db: Session, browser: Callable[[User], Browser], flow: PartnerFlow, outsiders: Outsiders
) -> None:
    _dispatched(flow, 1)
    flow.request(approve=False)
    partner = browser(flow.partner_user).get("/").text
    for link, words in (
        ('id="nav-requests"', "Mes demandes"),
        ('id="nav-shipments"', "Livraisons"),
        ('id="nav-handovers"', "Remises"),
    ):
        assert link in partner
        assert words in partner
    deliveries = partner.split('id="home-deliveries"')[1].split("</a>")[0]
    assert '<span class="figure">1</span>' in deliveries
    coordinator = browser(flow.coordinator).get("/").text
    assert ">Demandes</a>" in coordinator
    assert ">Expéditions</a>" in coordinator
    to_decide = coordinator.split('id="home-to-decide"')[1].split("</a>")[0]
    assert '<span class="figure">1</span>' in to_decide
    donor = browser(outsiders.donor).get("/").text
    assert 'id="nav-requests"' not in donor
    assert 'id="partner-flow"' not in donor
