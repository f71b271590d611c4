"""What the pickup tests share: a signed-in browser, the booking form as posted, pickups booked,
scheduled and collected through the services as the API would, and places around a depot."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.orgs.models import Site
from collecte.pickups import service
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.schemas import PickupCreate
from tests.devices.pagehelpers import HTML, sign_in

PARIS = ZoneInfo("Europe/Paris")
DEPOT = (48.8610, 2.4430)  # Montreuil

BOOKING_FORM: dict[str, str] = {
    "address": "1 place de la Défense",
    "building": "Tour B",
    "floor": "3",
    "room": "local 3.12",
    "postcode": "92400",
    "city": "Courbevoie",
    "has_elevator": "yes",
    "van_parking": "yes",
    "access_notes": "badge à l'accueil",
    "contact_name": "Claire Martin",
    "contact_email": "claire.martin@banque.example.org",
    "contact_phone": "01 23 45 67 89",
    "call_ahead": "yes",
    "window_date_0": "2026-12-01",
    "window_start_0": "09:00",
    "window_end_0": "12:00",
    "window_date_1": "2026-12-03",
    "window_start_1": "14:00",
    "window_end_1": "17:30",
    "qty_laptop": "3",
    "qty_smartphone": "2",
    "estimated_weight_kg": "6,5",
    "data_destruction": "certificate",
}
INVENTORY = "\ufeffNuméro de série;Modèle\nPF-1;T480\nPF-2;T480\nPF-3;T480\nIMEI-9;A52\nPF-1;T480\n"


def offset(north_km: float, east_km: float) -> tuple[float, float]:
    """Coordinates this far north and east of the depot."""
    latitude = DEPOT[0] + north_km / 111.32
    return latitude, DEPOT[1] + east_km / (111.32 * math.cos(math.radians(DEPOT[0])))


class Browser:
    """A signed-in visitor with its own cookies."""

    def __init__(self, client: TestClient, user: User) -> None:
        self.client = client
        self.user = user
        self.token = sign_in(client, user)

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=HTML, follow_redirects=False)

    def post(self, url: str, data: dict[str, str], files: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            url,
            data={"csrf_token": self.token, **data},
            files=files,
            headers=HTML,
            follow_redirects=False,
        )


def inventory_file(text: str, name: str = "inventaire.csv") -> dict[str, Any]:
    return {"inventory": (name, text.encode(), "text/csv")}


def pickup_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Pickup)) or 0


def book(
    db: Session, user: User, *, day: str = "2026-12-01", postcode: str = "92400", **extra: Any
) -> Pickup:
    """A pickup booked through the service, as the API would."""
    data = {
        "address": "10 rue de la Paix",
        "postcode": postcode,
        "city": "Ville",
        "contact_name": "Jean Dupont",
        "contact_email": "jean.dupont@example.org",
        "windows": [{"start": f"{day}T09:00:00+01:00", "end": f"{day}T12:00:00+01:00"}],
        "items": [{"category": "laptop", "quantity": 3}, {"category": "smartphone", "quantity": 2}],
        **extra,
    }
    body = PickupCreate.model_validate(data)
    return service.request_pickup(db, viewer=user, booking=body)


def schedule(
    db: Session,
    pickup: Pickup,
    coordinator: User,
    site: Site,
    *,
    day: str = "2026-12-01",
    vehicle: str = "",
    window: tuple[str, str] = ("09:00", "12:00"),
) -> None:
    service.schedule_pickup(
        db,
        viewer=coordinator,
        pickup=pickup,
        date=dt.date.fromisoformat(day),
        site_id=site.id,
        window_start=window[0],
        window_end=window[1],
        vehicle=vehicle,
    )


def collect(db: Session, pickup: Pickup, user: User) -> None:
    service.collect_pickup(
        db,
        viewer=user,
        pickup=pickup,
        weight_kg=6.2,
        released_by="C. Martin",
        received_by="A. Diallo",
    )


def status_of(db: Session, pickup: Pickup) -> PickupStatus:
    """The pickup's status as stored now."""
    db.refresh(pickup)
    return pickup.status


def on_board(page: str, *pickups: Pickup) -> set[int]:
    """Which of these pickups a board page lists."""
    return {p.id for p in pickups if f'id="pickup-{p.id}"' in page}
