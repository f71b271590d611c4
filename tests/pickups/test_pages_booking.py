"""Pickup pages: booking a pickup, editing and cancelling the request, its inventory file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.pickups.models import Pickup, PickupStatus
from tests.factories.accounts import make_user
from tests.factories.devices import Workshop
from tests.pickups.pagehelpers import (
    BOOKING_FORM,
    INVENTORY,
    PARIS,
    Browser,
    book,
    inventory_file,
    on_board,
    pickup_count,
    schedule,
    status_of,
)

# --- booking -------------------------------------------------------------------------------------


def test_donor_books_a_pickup_with_its_inventory_file(
    db: Session, browser: Callable[[User], Browser], workshop: Workshop, donor_user: User
) -> None:
    donor = browser(donor_user)
    form = donor.get("/pickups/new")
    assert form.status_code == 200
    for name in ("address", "window_date_0", "qty_laptop", "inventory", "call_ahead"):
        assert f'name="{name}"' in form.text
    assert 'name="donor_id"' not in form.text  # a donor books for its own organisation

    response = donor.post("/pickups/new", BOOKING_FORM, files=inventory_file(INVENTORY))
    assert response.status_code == 303, response.text
    pickup = db.scalars(select(Pickup).order_by(Pickup.id.desc())).first()
    assert pickup is not None
    assert response.headers["location"] == f"/pickups/{pickup.id}?done=booked"
    assert pickup.donor_id == workshop.donor.id
    assert pickup.status is PickupStatus.REQUESTED
    assert (pickup.building, pickup.floor, pickup.room) == ("Tour B", "3", "local 3.12")
    assert (pickup.has_elevator, pickup.van_parking, pickup.stairs) == (True, True, False)
    assert pickup.call_ahead is True
    assert pickup.estimated_weight_kg == 6.5
    assert pickup.items == [
        {"category": "laptop", "quantity": 3},
        {"category": "smartphone", "quantity": 2},
    ]
    assert [dt.datetime.fromisoformat(w["start"]) for w in pickup.windows] == [
        dt.datetime(2026, 12, 1, 9, tzinfo=PARIS),
        dt.datetime(2026, 12, 3, 14, tzinfo=PARIS),
    ]
    assert pickup.declared_serials == ["IMEI-9", "PF-1", "PF-2", "PF-3"]

    page = donor.get(response.headers["location"])
    assert page.status_code == 200
    assert 'id="done"' in page.text
    assert "01/12/2026 09:00–12:00" in page.text
    assert "badge à l'accueil" in page.text or "badge à l&#39;accueil" in page.text
    assert 'id="edit-pickup"' in page.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"address": ""}, "address"),
        ({"contact_email": "pas-une-adresse"}, "contact_email"),
        ({"postcode": "00000"}, "postcode"),
        ({"window_end_0": "08:00"}, "window_0"),
        ({"window_date_1": "31/02/2026"}, "window_1"),
        (
            {f"window_{part}_{i}": "" for part in ("date", "start", "end") for i in (0, 1)},
            "windows",
        ),
        ({"window_date_1": ""}, "window_1"),  # times without a day
        ({"qty_laptop": "", "qty_smartphone": "0"}, "items"),
        ({"qty_laptop": "trois"}, "qty_laptop"),
        ({"qty_laptop": "-2"}, "qty_laptop"),
        ({"estimated_weight_kg": "lourd"}, "estimated_weight_kg"),
        ({"data_destruction": "shred-it-myself"}, "data_destruction"),
    ],
)
def test_a_wrong_booking_is_shown_again_and_nothing_is_written(
    db: Session,
    browser: Callable[[User], Browser],
    donor_user: User,
    change: dict[str, str],
    field: str,
) -> None:
    donor = browser(donor_user)
    before = pickup_count(db)
    response = donor.post("/pickups/new", {**BOOKING_FORM, **change})
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text  # the message sits beside the field
    assert 'id="form-errors"' in response.text
    # What was typed is kept.
    assert 'value="Claire Martin"' in response.text
    assert 'value="Tour B"' in response.text
    assert 'id="call_ahead" name="call_ahead" value="yes" checked' in response.text
    assert pickup_count(db) == before


def test_a_wrong_inventory_file_refuses_the_booking(
    db: Session, browser: Callable[[User], Browser], donor_user: User
) -> None:
    donor = browser(donor_user)
    before = pickup_count(db)
    response = donor.post(
        "/pickups/new", BOOKING_FORM, files=inventory_file("modèle;couleur\nT480;noir\n")
    )
    assert response.status_code == 422
    assert 'id="e-inventory"' in response.text
    assert "“modèle”, “couleur”" in response.text  # the columns found are named
    assert pickup_count(db) == before


def test_a_coordinator_books_for_a_donor_and_must_choose_it(
    db: Session, browser: Callable[[User], Browser], workshop: Workshop, coordinator: User
) -> None:
    staff = browser(coordinator)
    form = staff.get("/pickups/new")
    assert f'<option value="{workshop.donor.id}"' in form.text
    before = pickup_count(db)
    missing = staff.post("/pickups/new", BOOKING_FORM)
    assert missing.status_code == 422
    assert 'id="e-donor_id"' in missing.text
    assert pickup_count(db) == before
    booked = staff.post("/pickups/new", {**BOOKING_FORM, "donor_id": str(workshop.donor.id)})
    assert booked.status_code == 303
    assert pickup_count(db) == before + 1


def test_partners_technicians_and_auditors_do_not_book(
    db: Session, browser: Callable[[User], Browser], workshop: Workshop
) -> None:
    for user in (
        make_user(db, role=Role.PARTNER),
        workshop.technician,
        make_user(db, role=Role.AUDITOR),
    ):
        visitor = browser(user)
        assert visitor.get("/pickups/new").status_code == 403
        assert visitor.post("/pickups/new", BOOKING_FORM).status_code == 403
    assert pickup_count(db) == 0


# --- editing, the inventory file, cancelling -----------------------------------------------------


def test_edit_while_requested_then_refused_once_scheduled(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = book(db, donor_user)
    donor = browser(donor_user)
    form = donor.get(f"/pickups/{pickup.id}/edit")
    assert form.status_code == 200
    assert 'value="10 rue de la Paix"' in form.text
    assert 'id="window_date_0" name="window_date_0" value="2026-12-01"' in form.text
    assert 'id="qty_laptop" name="qty_laptop" value="3"' in form.text

    edited = donor.post(
        f"/pickups/{pickup.id}/edit",
        {**BOOKING_FORM, "floor": "4", "postcode": "20200", "qty_smartphone": ""},
    )
    assert edited.status_code == 303
    db.refresh(pickup)
    assert (pickup.floor, pickup.territory) == ("4", "2B")
    assert pickup.items == [{"category": "laptop", "quantity": 3}]

    refused_edit = donor.post(f"/pickups/{pickup.id}/edit", {**BOOKING_FORM, "address": ""})
    assert refused_edit.status_code == 422
    db.refresh(pickup)
    assert pickup.address == BOOKING_FORM["address"]

    schedule(db, pickup, coordinator, workshop.site)
    page = donor.get(f"/pickups/{pickup.id}")
    assert 'id="edit-pickup"' not in page.text
    assert 'id="scheduled-note"' in page.text
    late = donor.get(f"/pickups/{pickup.id}/edit")
    assert late.status_code == 200
    assert 'id="not-editable"' in late.text
    assert 'id="booking-form"' not in late.text
    assert "01/12/2026" in late.text
    refused = donor.post(f"/pickups/{pickup.id}/edit", {**BOOKING_FORM, "floor": "9"})
    assert refused.status_code == 409
    db.refresh(pickup)
    assert pickup.floor == "4"


def test_inventory_file_on_the_pickup_page(
    db: Session,
    browser: Callable[[User], Browser],
    workshop: Workshop,
    donor_user: User,
    coordinator: User,
) -> None:
    pickup = book(db, donor_user, declared_serials=["OLD-1"])
    donor = browser(donor_user)
    url = f"/pickups/{pickup.id}/inventory"
    assert 'id="inventory-form"' in donor.get(f"/pickups/{pickup.id}").text

    sent = donor.post(url, {}, files=inventory_file("Asset Tag,Serial\nTAG-1,\nTAG-2,SN-2\n"))
    assert sent.status_code == 303
    db.refresh(pickup)
    assert pickup.declared_serials == ["SN-2", "TAG-1"]

    for bad, expected in [
        ("", "vide"),
        ("model,colour\nT480,black\n", "“model”, “colour”"),
        ("serial\n\n", "aucun numéro"),
    ]:
        refused = donor.post(url, {}, files=inventory_file(bad))
        assert refused.status_code == 422, bad
        assert 'id="e-inventory"' in refused.text
        assert expected in refused.text
    no_file = donor.post(url, {})
    assert no_file.status_code == 422
    db.refresh(pickup)
    assert pickup.declared_serials == ["SN-2", "TAG-1"]

    schedule(db, pickup, coordinator, workshop.site)
    late = donor.post(url, {}, files=inventory_file("serial\nNEW-1\n"))
    assert late.status_code == 409
    db.refresh(pickup)
    assert pickup.declared_serials == ["SN-2", "TAG-1"]


def test_cancel_with_a_reason(
    db: Session, browser: Callable[[User], Browser], donor_user: User
) -> None:
    pickup = book(db, donor_user)
    donor = browser(donor_user)
    url = f"/pickups/{pickup.id}/cancel"
    empty = donor.post(url, {"reason": "  "})
    assert empty.status_code == 422
    assert 'id="e-reason"' in empty.text
    assert status_of(db, pickup) is PickupStatus.REQUESTED

    done = donor.post(url, {"reason": "déménagement reporté"})
    assert done.status_code == 303
    db.refresh(pickup)
    assert (pickup.status, pickup.cancel_reason) == (PickupStatus.CANCELLED, "déménagement reporté")
    page = donor.get(f"/pickups/{pickup.id}").text
    assert 'id="cancelled-note"' in page
    assert 'id="cancel-form"' not in page
    assert donor.post(url, {"reason": "encore"}).status_code == 409

    assert on_board(donor.get("/pickups").text, pickup) == set()
    assert on_board(donor.get("/pickups?status=cancelled").text, pickup) == {pickup.id}
