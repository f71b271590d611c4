"""Pickup pages: the planning board, scheduling and collecting through the forms, reconciliation,
the receipt data and the documents."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from pypdf import PdfReader
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.devices.checklists import Category
from collecte.orgs.models import OrgKind
from collecte.pickups import service
from collecte.pickups.models import PickupStatus
from tests.factories.accounts import make_organization, make_site, make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import Browser, book, collect, on_board, schedule, status_of

# --- the planning board ---------------------------------------------------------------------------


def test_board_columns_counts_and_filters(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    other_donor_org = make_organization(db, kind=OrgKind.DONOR, name="Mairie de Lyon")
    other_donor = make_user(db, role=Role.DONOR, organization=other_donor_org)
    second_site = make_site(db, organization=workshop.organization)
    early = book(db, donor_user, day="2026-12-01", postcode="92400")
    late = book(db, donor_user, day="2026-12-20", postcode="93100", city="Montreuil")
    lyon = book(db, other_donor, day="2026-12-02", postcode="69003")
    planned = book(db, donor_user, day="2026-12-05", postcode="92100")
    schedule(db, planned, coordinator, workshop.site, day="2026-12-05", vehicle="Kangoo 1")
    elsewhere = book(db, donor_user, day="2026-12-06", postcode="92100")
    schedule(db, elsewhere, coordinator, second_site, day="2026-12-06", vehicle="Master 2")
    done = book(db, donor_user, day="2026-11-20")
    schedule(db, done, coordinator, workshop.site, day="2026-11-20", vehicle="Kangoo 1")
    collect(db, done, coordinator)
    # Cancelled after it was planned here (a request cancelled before is no workshop's business).
    dropped = book(db, donor_user)
    schedule(db, dropped, coordinator, workshop.site)
    service.cancel_pickup(db, viewer=donor_user, pickup=dropped, reason="plus rien")
    everything = (early, late, lyon, planned, elsewhere, done, dropped)

    staff = browser(coordinator)

    def listed(query: str) -> set[int]:
        page = staff.get(f"/pickups{query}")
        assert page.status_code == 200
        return on_board(page.text, *everything)

    page = staff.get("/pickups").text
    assert 'id="column-requested"' in page
    assert 'id="column-scheduled"' in page
    assert 'id="column-collected"' in page
    assert 'id="column-cancelled"' not in page
    # The Lyon request is for the workshops serving 69, not this one (75, 92, 93, 94).
    assert '<span class="figure" data-count="requested">2</span>' in page
    assert '<span class="figure" data-count="scheduled">2</span>' in page
    assert '<span class="figure" data-count="cancelled">1</span>' in page
    assert listed("") == {early.id, late.id, planned.id, elsewhere.id, done.id}
    assert listed("?status=requested") == {early.id, late.id}
    assert listed("?status=cancelled") == {dropped.id}
    assert listed("?date_from=2026-12-01&date_to=2026-12-05") == {early.id, planned.id}
    assert listed("?date_from=2026-12-06") == {late.id, elsewhere.id}
    assert listed("?area=93") == {late.id}
    assert listed("?area=921") == {planned.id, elsewhere.id}
    assert listed(f"?site_id={second_site.id}") == {elsewhere.id}
    assert listed("?vehicle=kangoo+1") == {planned.id, done.id}
    assert listed("?q=montreuil") == {late.id}
    assert listed("?q=lyon") == set()  # a search does not reach past the scope
    assert listed("?status=bogus&site_id=x&date_from=never") == listed("")

    # The same page for a donor lists its own pickups only.
    own = browser(other_donor).get("/pickups")
    assert own.status_code == 200
    assert on_board(own.text, *everything) == {lyon.id}


# --- scheduling and collecting --------------------------------------------------------------------


def test_schedule_and_collect_through_the_forms(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = book(db, donor_user)
    staff = browser(coordinator)
    page = staff.get(f"/pickups/{pickup.id}").text
    assert 'id="schedule-form"' in page
    assert 'id="collect-form"' not in page  # only a scheduled pickup is collected
    assert 'id="date" name="date" value="2026-12-01"' in page  # the donor's first window

    collect_url = f"/pickups/{pickup.id}/collect"
    counts = {f"count_{c.value}": "0" for c in Category} | {
        "count_laptop": "3",
        "count_smartphone": "1",
    }
    people = {"released_by": "C. Martin", "received_by": "A. Diallo"}
    too_early = browser(workshop.technician).post(
        collect_url, {**counts, **people, "weight_kg": "6"}
    )
    assert too_early.status_code == 409  # posted anyway: the service refuses it
    assert status_of(db, pickup) is PickupStatus.REQUESTED

    foreign = make_site(db, organization=make_organization(db, kind=OrgKind.WORKSHOP))
    url = f"/pickups/{pickup.id}/schedule"
    plan = {
        "date": "2026-12-01",
        "window_start": "09:00",
        "window_end": "11:00",
        "vehicle": "Kangoo 1",
    }
    wrong_site = staff.post(url, {**plan, "site_id": str(foreign.id)})
    assert wrong_site.status_code == 422
    assert 'id="e-site_id"' in wrong_site.text
    no_date = staff.post(url, {**plan, "date": "", "site_id": str(workshop.site.id)})
    assert no_date.status_code == 422
    assert 'id="e-date"' in no_date.text
    backwards = staff.post(
        url,
        {**plan, "window_start": "11:00", "window_end": "09:00", "site_id": str(workshop.site.id)},
    )
    assert backwards.status_code == 422
    assert status_of(db, pickup) is PickupStatus.REQUESTED

    assert (
        browser(workshop.technician)
        .post(url, {**plan, "site_id": str(workshop.site.id)})
        .status_code
        == 403
    )
    scheduled = staff.post(url, {**plan, "site_id": str(workshop.site.id)})
    assert scheduled.status_code == 303
    db.refresh(pickup)
    assert (pickup.status, pickup.scheduled_on, pickup.site_id, pickup.vehicle) == (
        PickupStatus.SCHEDULED,
        dt.date(2026, 12, 1),
        workshop.site.id,
        "Kangoo 1",
    )
    assert (pickup.window_start, pickup.window_end) == ("09:00", "11:00")

    technician = browser(workshop.technician)
    page = technician.get(f"/pickups/{pickup.id}").text
    assert 'id="collect-form"' in page
    assert 'id="schedule-form"' not in page
    by_donor = browser(donor_user).post(collect_url, {**counts, **people, "weight_kg": "6"})
    assert by_donor.status_code == 403  # the team records a collection, not the donor
    no_weight = technician.post(collect_url, {**counts, **people, "weight_kg": ""})
    assert no_weight.status_code == 422
    assert 'id="e-weight_kg"' in no_weight.text
    bad_count = technician.post(
        collect_url, {**counts, **people, "weight_kg": "6", "count_tablet": "-1"}
    )
    assert bad_count.status_code == 422
    assert 'id="e-count_tablet"' in bad_count.text
    assert status_of(db, pickup) is PickupStatus.SCHEDULED

    collected = technician.post(collect_url, {**counts, **people, "weight_kg": "6,2"})
    assert collected.status_code == 303
    assert status_of(db, pickup) is PickupStatus.COLLECTED
    assert pickup.collected_counts == {"laptop": 3, "smartphone": 1}
    assert (pickup.collected_weight_kg, pickup.released_by, pickup.received_by) == (
        6.2,
        "C. Martin",
        "A. Diallo",
    )

    # The donor downloads the collection proof with its session.
    donor = browser(donor_user)
    page = donor.get(f"/pickups/{pickup.id}").text
    assert f'href="/pickups/{pickup.id}/collection-proof.pdf"' in page
    proof = donor.get(f"/pickups/{pickup.id}/collection-proof.pdf")
    assert proof.status_code == 200
    assert proof.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(proof.content)).pages[0].extract_text()
    assert "C. Martin" in text
    assert "A. Diallo" in text


def test_the_collection_proof_waits_for_the_collection(
    db: Session, browser: Callable[[User], Browser], donor_user: User
) -> None:
    pickup = book(db, donor_user)
    donor = browser(donor_user)
    assert donor.get(f"/pickups/{pickup.id}/collection-proof.pdf").status_code == 409
    receipt = donor.get(f"/pickups/{pickup.id}/receipt")
    assert receipt.status_code == 409
    assert 'id="receipt-unavailable"' in receipt.text


# --- reconciliation, receipt, certificate --------------------------------------------------------


def test_reconciliation_receipt_and_certificate_pages(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = book(db, donor_user, declared_serials=["PF-1", "PF-2", "PF-3", "IMEI-9"])
    schedule(db, pickup, coordinator, workshop.site)
    collect(db, pickup, coordinator)
    received = [
        workshop.receive(serial="PF-1", pickup_id=pickup.id, donor_id=None),
        workshop.receive(serial="PF-2", pickup_id=pickup.id, donor_id=None),
        workshop.receive(serial="SURPRISE-7", pickup_id=pickup.id, donor_id=None),
        workshop.receive(
            serial="IMEI-9", pickup_id=pickup.id, donor_id=None, category=Category.SMARTPHONE
        ),
    ]
    donor = browser(donor_user)
    page = donor.get(f"/pickups/{pickup.id}/reconciliation")
    assert page.status_code == 200
    missing = page.text.split('id="missing-serials"')[1].split("</section>")[0]
    unexpected = page.text.split('id="unexpected-serials"')[1].split("</section>")[0]
    assert "<code>PF-3</code>" in missing
    assert "PF-1" not in missing
    assert "<code>SURPRISE-7</code>" in unexpected
    assert "PF-3" not in unexpected
    assert 'class="card flagged" id="missing-serials"' in page.text
    assert '<tr class="short" data-category="smartphone">' in page.text  # 2 declared, 1 received
    assert '<tr class="" data-category="laptop">' in page.text  # 3 and 3
    assert 'class="alert" role="alert" id="reconciliation-status"' in page.text

    receipt = donor.get(f"/pickups/{pickup.id}/receipt")
    assert receipt.status_code == 200
    assert workshop.donor.name in receipt.text
    assert '<th class="num" id="receipt-total">4</th>' in receipt.text
    assert 'id="receipt-value"' in receipt.text

    pickup_page = donor.get(f"/pickups/{pickup.id}").text
    assert 'id="certificate-pending"' in pickup_page
    assert donor.get(f"/pickups/{pickup.id}/erasure-certificate.pdf").status_code == 409
    for device in received:
        workshop.wipe(device)
    pickup_page = donor.get(f"/pickups/{pickup.id}").text
    assert (
        f'id="certificate-link" href="/pickups/{pickup.id}/erasure-certificate.pdf"' in pickup_page
    )
    certificate = donor.get(f"/pickups/{pickup.id}/erasure-certificate.pdf")
    assert certificate.status_code == 200
    assert "collecte n° " in PdfReader(io.BytesIO(certificate.content)).pages[0].extract_text()
