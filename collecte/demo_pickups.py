"""Demo pickups: a request waiting, a round of three stops planned for one van, one collected today."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.orgs.models import Organization, Site
from collecte.pickups.models import Pickup
from collecte.pickups.schemas import PickupCreate
from collecte.pickups.service import collect_pickup, request_pickup, schedule_pickup

PARIS = dt.timezone(dt.timedelta(hours=1))  # the demo's windows, in winter time
VEHICLE = "Kangoo 1"


class DemoStop(NamedTuple):
    donor: int  # index in the demo's donors
    address: str
    postcode: str
    city: str
    latitude: float
    longitude: float
    items: dict[str, int]
    start: int  # hour
    end: int


_ROUND = [
    DemoStop(
        0, "1 place de la Défense", "92400", "Courbevoie", 48.8918, 2.2380, {"laptop": 12}, 9, 12
    ),
    DemoStop(
        1, "53 bis rue de Fontenay", "94300", "Vincennes", 48.8474, 2.4370, {"desktop": 4}, 14, 17
    ),
    DemoStop(
        0, "30 avenue de Flandre", "75019", "Paris", 48.8885, 2.3760, {"smartphone": 20}, 8, 18
    ),
]
# The Ajaccio insurer's Paris agency: a donor from elsewhere, in a département the demo
# workshop serves, so its coordinator sees the request (a request in Corsica would be for the
# workshops serving 2A).
_WAITING = DemoStop(
    2, "40 boulevard Haussmann", "75009", "Paris", 48.8738, 2.3320, {"laptop": 30}, 9, 17
)
# The demo donor's own, collected: its space then shows a collection proof and the receipt data.
# Its items are the devices received from it (``load_demo_pickups``' ``collected``).
_COLLECTED = DemoStop(0, "1 place de la Défense", "92400", "Courbevoie", 48.8918, 2.2380, {}, 9, 12)


def _request(
    session: Session,
    *,
    coordinator: User,
    donors: list[Organization],
    stop: DemoStop,
    day: dt.date,
    serials: list[str] | None = None,
) -> Pickup:
    donor = donors[stop.donor]
    body = PickupCreate.model_validate(
        {
            "donor_id": donor.id,
            "address": stop.address,
            "postcode": stop.postcode,
            "city": stop.city,
            "latitude": stop.latitude,
            "longitude": stop.longitude,
            "has_elevator": True,
            "access_notes": "Accueil au rez-de-chaussée, badge visiteur",
            "contact_name": "Service informatique",
            "contact_email": f"logistique@{donor.name.lower().split()[0]}.example",
            "contact_phone": "01 23 45 67 89",
            "call_ahead": True,
            "windows": [
                {
                    "start": dt.datetime.combine(day, dt.time(stop.start), PARIS).isoformat(),
                    "end": dt.datetime.combine(day, dt.time(stop.end), PARIS).isoformat(),
                }
            ],
            "items": [{"category": c, "quantity": q} for c, q in stop.items.items()],
            "declared_serials": serials
            if serials is not None
            else [f"{stop.city[:3].upper()}-{n:03d}" for n in range(1, 4)],
        }
    )
    return request_pickup(session, viewer=coordinator, booking=body)


def load_demo_pickups(
    session: Session,
    *,
    coordinator: User,
    donors: list[Organization],
    today: dt.date,
    collected: dict[str, int],
    collected_serials: list[str],
) -> Pickup:
    """Through the real services: one request to plan, a round for the day after tomorrow, one
    collected this morning, which returns: ``collected`` (category -> count) and the serials
    declared are those of the devices received from it (the caller takes them in)."""
    site = session.scalars(
        select(Site).where(Site.organization_id == coordinator.organization_id).order_by(Site.id)
    ).first()
    if site is None:
        raise RuntimeError("the demo workshop has no site")
    round_day = today + dt.timedelta(days=2)
    came = _COLLECTED._replace(items=collected)
    for stop, day in [(stop, round_day) for stop in _ROUND] + [(came, today)]:
        serials = collected_serials if stop is came else None
        pickup = _request(
            session, coordinator=coordinator, donors=donors, stop=stop, day=day, serials=serials
        )
        schedule_pickup(
            session,
            viewer=coordinator,
            pickup=pickup,
            date=day,
            site_id=site.id,
            window_start=f"{stop.start:02d}:00",
            window_end=f"{stop.end:02d}:00",
            vehicle=VEHICLE,
        )
    collect_pickup(
        session,
        viewer=coordinator,
        pickup=pickup,  # the last one: the collected stop
        weight_kg=19.8,
        released_by="Service informatique",
        received_by="Équipe collecte",
        counts=collected,
    )
    _request(
        session,
        coordinator=coordinator,
        donors=donors,
        stop=_WAITING,
        day=today + dt.timedelta(days=10),
    )
    return pickup
