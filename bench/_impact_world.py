"""The simulated network of ``bench.impact``: its places, categories and organisations."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass

from collecte import models as _all_models  # noqa: F401 (every table known before the first flush)
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.devices import codes
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization, create_site

TARGET_MS = 200.0
RUNS = 7
START = dt.date(2021, 12, 1)
END = dt.date(2026, 11, 30)  # the last day of the history (included)
DAYS = (END - START).days + 1
DAY = 86_400

# (territory, postcode, city): where the sites are (a site's territory is its département).
PLACES = [
    ("75", "75011", "Paris"), ("93", "93100", "Montreuil"), ("69", "69003", "Lyon"),
    ("13", "13003", "Marseille"), ("33", "33000", "Bordeaux"), ("31", "31000", "Toulouse"),
    ("59", "59000", "Lille"), ("44", "44000", "Nantes"), ("67", "67000", "Strasbourg"),
    ("34", "34000", "Montpellier"), ("35", "35000", "Rennes"), ("06", "06000", "Nice"),
    ("38", "38000", "Grenoble"), ("76", "76000", "Rouen"), ("57", "57000", "Metz"),
    ("63", "63000", "Clermont-Ferrand"), ("21", "21000", "Dijon"), ("29", "29200", "Brest"),
    ("92", "92000", "Nanterre"), ("94", "94200", "Ivry-sur-Seine"),
]  # fmt: skip
WORKSHOPS, SITES, DONORS, PARTNERS = 23, 40, 600, 300

# category: (share %, typical kg, has storage)
CATEGORIES = {
    "laptop": (55, 2.0, True),
    "desktop": (15, 7.5, True),
    "smartphone": (15, 0.18, True),
    "tablet": (5, 0.5, True),
    "monitor": (8, 5.0, False),
    "printer": (1, 9.0, False),
    "other": (1, 1.5, False),
}
CATEGORY_NAMES = list(CATEGORIES)
CATEGORY_CUMULATIVE = list(itertools.accumulate(share for share, _, _ in CATEGORIES.values()))
BRANDS = {
    "laptop": ("Lenovo", "ThinkPad T480"),
    "desktop": ("Dell", "OptiPlex 7060"),
    "smartphone": ("Samsung", "Galaxy A52"),
    "tablet": ("Apple", "iPad 7"),
    "monitor": ("HP", "E24 G4"),
    "printer": ("Brother", "HL-L2350DW"),
    "other": ("Logitech", "Dock"),
}

# The events' columns in the order the simulation writes them (the device's last).
EVENT_COLUMNS = (
    "id, seq, occurred_at, recorded_at, kind, subject, from_status, to_status, request_id, "
    "shipment_id, partner_id, beneficiary_ref, payload, device_id, workshop_id, site_id, "
    "territory, donor_id, category, weight_kg, note"
)
DEVICE_COLUMNS = (
    "id, code, category, brand, model, serial, has_storage, weight_kg, ram_gb, storage_gb, "
    "status, grade, organization_id, site_id, donor_id, received_at, history_since, updated_at, "
    "version"
)
NULL = "\\N"
STATUS_RESETS = ("returned", "received")


# --- the network (through the services: they are few) -------------------------------------------


@dataclass(frozen=True)
class Network:
    workshop_of_site: list[int]  # per site index: its workshop's organisation id
    site_ids: list[int]
    site_territories: list[str]
    donor_ids: list[int]
    donor_weights: list[float]
    donor_sites: list[list[int]]  # per donor: the site indexes it gives to
    partner_ids: list[int]
    partners_of_workshop: dict[int, list[int]]  # workshop id -> partner ids (first: biggest)


def _network(url: str, rng: random.Random) -> Network:
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshops, homes = [], []
            for n in range(WORKSHOPS):
                territory, postcode, city = PLACES[n % len(PLACES)]
                second = PLACES[(n + 7) % len(PLACES)] if n < SITES - WORKSHOPS else None
                served = [territory] + ([second[0]] if second else [])
                workshop = create_organization(
                    session,
                    name=f"Atelier {n + 1:02d} {city}",
                    kind=OrgKind.WORKSHOP,
                    postcode=postcode,
                    city=city,
                    territories_served=served,
                )
                workshops.append(workshop)
                homes.append([(territory, postcode, city)] + ([second] if second else []))
            session.flush()
            workshop_of_site, site_ids, site_territories = [], [], []
            for workshop, places in zip(workshops, homes, strict=True):
                for number, (territory, postcode, city) in enumerate(places):
                    site = create_site(
                        session,
                        organization_id=workshop.id,
                        name=f"{city} {number + 1}",
                        postcode=postcode,
                        city=city,
                    )
                    workshop_of_site.append(workshop.id)
                    site_ids.append(site.id)
                    site_territories.append(territory)
            site_weights = [rng.uniform(0.5, 2.0) for _ in site_ids]
            donor_ids, donor_weights, donor_sites = [], [], []
            for n in range(DONORS):
                territory, postcode, city = PLACES[n % len(PLACES)]
                donor = create_organization(
                    session,
                    name=f"Donateur {n + 1:03d}",
                    kind=OrgKind.DONOR,
                    postcode=postcode,
                    city=city,
                )
                donor_ids.append(donor.id)
                donor_weights.append(1 / (n + 1) ** 0.9)  # a few big donors, a long tail
                sites = rng.choices(range(len(site_ids)), weights=site_weights, k=2)
                donor_sites.append(sorted(set(sites)) if rng.random() < 0.2 else sites[:1])
            partner_ids = []
            partners_of_workshop: dict[int, list[int]] = defaultdict(list)
            for n in range(PARTNERS):
                workshop = workshops[n % WORKSHOPS]
                territory, postcode, city = homes[n % WORKSHOPS][0]
                partner = create_organization(
                    session,
                    name=f"Partenaire {n + 1:03d}",
                    kind=OrgKind.PARTNER,
                    postcode=postcode,
                    city=city,
                )
                partner_ids.append(partner.id)
                partners_of_workshop[workshop.id].append(partner.id)
            session.flush()
            donor_ids = [int(i) for i in donor_ids]
            return Network(
                workshop_of_site=[int(i) for i in workshop_of_site],
                site_ids=[int(i) for i in site_ids],
                site_territories=site_territories,
                donor_ids=donor_ids,
                donor_weights=donor_weights,
                donor_sites=donor_sites,
                partner_ids=[int(i) for i in partner_ids],
                partners_of_workshop=dict(partners_of_workshop),
            )
    finally:
        engine.dispose()


# --- the simulation ------------------------------------------------------------------------------


def _day_strings() -> list[str]:
    return [(START + dt.timedelta(days=d)).isoformat() for d in range(DAYS + 400)]


def _weekday(day: int) -> int:
    return (START.weekday() + day) % 7


def _workday(day: int) -> int:
    """The day itself, or the Monday after a week-end."""
    weekday = _weekday(day)
    return day + (7 - weekday) if weekday > 4 else day


def _code(number: int) -> str:
    payload = ""
    for _ in range(codes.PAYLOAD_LENGTH):
        number, digit = divmod(number, len(codes.ALPHABET))
        payload = codes.ALPHABET[digit] + payload
    return payload + codes.check_character(payload)
