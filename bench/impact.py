"""The impact dashboard over a national network's five years: Collecte's counters against a floor.

On a throw-away PostgreSQL database (``--keep`` keeps it, ``--reuse URL`` skips the seeding): 23
workshops with 40 sites in 20 départements, 600 donors, 300 partners (through the services), then
1,000,000 devices and about 10,000,000 events by COPY, from a deterministic simulation of
2021-12-01 → 2026-11-30: devices arrive in pickups of 1–200 from one donor to one site on one day,
go through the workshop (label, diagnosis, repairs, erasure, grade), and about 65 % become
available, of which most go to partners in shipments of 5–30 (allocated, shipped, delivered),
are handed over to beneficiaries, sometimes returned (and some delivered again); the others are
recycled or taken for parts, a few are still in the workshop. Every event carries the dimensions
the product writes (workshop, site, territory, donor, category, weight; partner in the partner
flow; the beneficiary on a hand-over) and a payload valid for its kind; ``seq`` is 1..N in time
order (``hash`` is left NULL: the chain is not what this measures). Then the product's own
``keeping.rebuild`` fills ``impact_facts`` and ``impact_counts``.

Measured, per scope (the whole network, a big donor, a partner, a site, a territory, a workshop,
a calendar year, odd dates, a year and a donor), median of 7 after a warm-up:

- Collecte: ``counters.read(session, scope, factors, BREAKDOWNS)`` (the whole dashboard), and
  ``counters.read(..., breakdowns=())`` (the counters alone);
- the floor: one plain SQL statement over the events computing the same counters, ``GROUP BY``
  category, filtered on the events' own columns (redistributed and handed over are approximated
  as devices delivered, handed over, at least once in scope: a return is not subtracted).

Target: every scope's dashboard under 200 ms.

    python -m bench impact     (or: python -m bench.impact [--devices N] [--keep] [--reuse URL])
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import heapq
import itertools
import json
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from rich.progress import Progress
from sqlalchemy import Connection, NullPool, create_engine, event
from sqlalchemy.engine import Engine, make_url

from bench._common import (
    fresh_postgres_database,
    machine_lines,
    postgres_base_url,
    terminate_gracefully,
    write_results_section,
)
from bench._postgres import server_version
from collecte import models as _all_models  # noqa: F401 (every table known before the first flush)
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.migrations import upgrade_database
from collecte.devices import codes
from collecte.impact import counters
from collecte.impact.counters import BREAKDOWNS, Scope
from collecte.impact.factors import factor_set
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


@dataclass
class Simulation:
    """Devices and their events, in time order; events at or after the end are left out."""

    network: Network
    devices: int
    filler: float  # extra workshop events per device (reprinted labels, repeated diagnoses)
    write: Callable[[str], None] | None  # takes chunks of COPY text; None: count only
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    events: int = 0
    _day: list[str] = field(default_factory=_day_strings)
    _pending: dict[int, list[tuple[int, int, int, str, str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _counter: itertools.count[int] = field(default_factory=itertools.count)
    # Per device (index = id - 1): as of its last event written.
    status: list[str] = field(default_factory=list)
    grade: list[str] = field(default_factory=list)
    last_at: list[int] = field(default_factory=list)
    since: list[int] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    weight: list[float | None] = field(default_factory=list)
    site: list[int] = field(default_factory=list)
    donor: list[int] = field(default_factory=list)
    received: list[int] = field(default_factory=list)
    _suffix: list[str] = field(default_factory=list)
    # Shipments: per workshop, the devices ready to go (ready time, device), and counters.
    _pool: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    _next_size: dict[int, int] = field(default_factory=dict)
    _shipments: int = 0
    _allocations: int = 0
    _handovers: int = 0
    _records: int = 0
    _beneficiaries: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    # -- writing --

    def _ts(self, moment: int) -> str:
        day, rest = divmod(moment, DAY)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{self._day[day]} {hours:02d}:{minutes:02d}:{seconds:02d}+00"

    def _event(
        self,
        device: int,
        moment: int,
        kind: str,
        payload: str = "{}",
        *,
        from_status: str | None = None,
        to_status: str | None = None,
        request: int | None = None,
        shipment: int | None = None,
        partner: int | None = None,
        beneficiary: str | None = None,
        weight: float | None = None,
        grade: str = "",
    ) -> None:
        if moment >= DAYS * DAY:
            return
        stamp = self._ts(moment)
        suffix = self._suffix[device - 1]
        if weight is not None:  # the weight at exit
            suffix = suffix.replace("\x00", f"{weight:.2f}")
        else:
            suffix = suffix.replace("\x00", self._weight_text(device))
        body = (
            f"{stamp}\t{stamp}\t{kind}\tdevice\t{from_status or NULL}\t{to_status or NULL}\t"
            f"{NULL if request is None else request}\t{NULL if shipment is None else shipment}\t"
            f"{NULL if partner is None else partner}\t{beneficiary or NULL}\t{payload}\t{suffix}"
        )
        self._pending[moment // DAY].append(
            (moment, next(self._counter), device, to_status or "", grade, body)
        )

    def _weight_text(self, device: int) -> str:
        weight = self.weight[device - 1]
        return NULL if weight is None else f"{weight:.2f}"

    def _flush(self, day: int, out: list[str]) -> None:
        todays = self._pending.pop(day, [])
        todays.sort()
        for moment, _, device, to_status, grade, body in todays:
            self.events += 1
            index = device - 1
            if to_status:
                self.status[index] = to_status
                if to_status in STATUS_RESETS:
                    self.since[index] = moment
            if grade:
                self.grade[index] = grade
            self.last_at[index] = moment
            if self.write is not None:
                out.append(f"{self.events}\t{self.events}\t{body}")

    # -- the devices' lives --

    def _new_device(self, site: int, donor: int, moment: int) -> int:
        rng = self.rng
        pick = rng.random() * CATEGORY_CUMULATIVE[-1]
        category = CATEGORY_NAMES[bisect.bisect_right(CATEGORY_CUMULATIVE, pick)]
        typical = CATEGORIES[category][1]
        weight = round(typical * rng.uniform(0.8, 1.25), 2) if rng.random() < 0.7 else None
        self.status.append("received")
        self.grade.append("")
        self.last_at.append(moment)
        self.since.append(moment)
        self.category.append(category)
        self.weight.append(weight)
        self.site.append(site)
        self.donor.append(donor)
        self.received.append(moment)
        device = len(self.status)
        network = self.network
        self._suffix.append(
            f"{device}\t{network.workshop_of_site[site]}\t{network.site_ids[site]}\t"
            f"{network.site_territories[site]}\t{network.donor_ids[donor]}\t{category}\t\x00\t\n"
        )
        return device

    def _later(self, moment: int, days: float) -> int:
        """A working-hours moment ``days`` (at least) after this one."""
        day = _workday(moment // DAY + max(0, int(days)))
        if day * DAY <= moment:
            day = moment // DAY
            return moment + self.rng.randint(60, 3600)
        return day * DAY + self.rng.randint(7 * 3600, 16 * 3600)

    def _record(self) -> int:
        self._records += 1
        return self._records

    def _workshop(self, device: int, start: int, *, returned: bool = False) -> None:
        """From intake (or a return) to the device's exit or availability."""
        rng = self.rng
        category = self.category[device - 1]
        has_storage = CATEGORIES[category][2]
        if returned:
            fate = "refurbished" if rng.random() < 0.6 else "recycled"
            status = "returned"
        else:
            luck = rng.random()
            fate = (
                "refurbished"
                if luck < 0.65
                else "recycled"
                if luck < 0.90
                else "parts"
                if luck < 0.98
                else "stuck"
            )
            status = "received"
        moment = self._later(start, rng.expovariate(1 / 6) + 1)
        fillers = int(self.filler) + (rng.random() < self.filler % 1)
        result = "pass" if fate == "refurbished" else rng.choice(["pass", "fail"])
        diagnosis = json.dumps({"result": result, "diagnosis_id": self._record()})
        self._event(
            device, moment, "diagnosis", diagnosis, from_status=status, to_status="diagnosed"
        )
        status, diagnosed_at = "diagnosed", moment
        if fate == "stuck":
            self._fillers(device, fillers, diagnosed_at, diagnosed_at + 3 * DAY)
            return
        moment = self._later(moment, rng.uniform(0, 4))
        self._fillers(device, fillers, diagnosed_at, moment)
        if fate in ("recycled", "parts"):
            if fate == "parts":
                grade = json.dumps({"functional": "F1", "cosmetic": "C5", "grade": "X"})
                self._event(
                    device, moment, "grade", grade, from_status=status, to_status="graded",
                    grade="X",
                )  # fmt: skip
                status = "graded"
                moment += rng.randint(60, 1800)
            typical = CATEGORIES[category][1]
            exit_kg = self.weight[device - 1] or round(typical * rng.uniform(0.8, 1.25), 2)
            self._event(
                device, moment + 1, "transition", json.dumps({"weight_kg": exit_kg}),
                from_status=status, to_status=fate, weight=exit_kg,
            )  # fmt: skip
            return
        if rng.random() < 0.3:  # a repair (about a fifth of all devices)
            self._event(device, moment, "transition", from_status=status, to_status="in_repair")
            parts = [{"name": rng.choice(["battery", "ssd", "keyboard", "screen"]), "quantity": 1}]
            repair = {
                "minutes": rng.randint(10, 120),
                "parts": parts if rng.random() < 0.5 else [],
                "integration_contract": rng.random() < 0.6,
            }
            moment = self._later(moment, rng.uniform(0, 5))
            self._event(device, moment, "repair", json.dumps(repair))
            moment += rng.randint(600, 7200)
            diagnosis = json.dumps({"result": "pass", "diagnosis_id": self._record()})
            self._event(
                device, moment, "diagnosis", diagnosis, from_status="in_repair",
                to_status="diagnosed",
            )  # fmt: skip
            moment = self._later(moment, rng.uniform(0, 2))
        if has_storage:
            erasure = {
                "erasure_id": self._record(),
                "storage_serial": f"S{device:08d}",
                "result": "erased",
                "verified": True,
            }
            self._event(device, moment, "erasure", json.dumps(erasure))
            moment += rng.randint(60, 600)
            self._event(device, moment, "transition", from_status=status, to_status="wiped")
            status = "wiped"
            moment = self._later(moment, rng.uniform(0, 3))
        letter = rng.choices("ABC", weights=(20, 50, 30))[0]
        functional, cosmetic = {"A": ("F6", "C1"), "B": ("F5", "C3"), "C": ("F4", "C5")}[letter]
        grade = json.dumps({"functional": functional, "cosmetic": cosmetic, "grade": letter})
        self._event(
            device, moment, "grade", grade, from_status=status, to_status="graded", grade=letter
        )
        moment = self._later(moment, rng.uniform(0, 2))
        self._event(device, moment, "transition", from_status="graded", to_status="available")
        if rng.random() < 0.85 or returned:
            workshop = self.network.workshop_of_site[self.site[device - 1]]
            heapq.heappush(self._pool[workshop], (moment, device))

    def _fillers(self, device: int, count: int, after: int, before: int) -> None:
        """Labels printed again and diagnoses repeated while the device is diagnosed (between
        its diagnosis and its next step): events that change no status."""
        rng = self.rng
        for _ in range(count):
            moment = rng.randint(after + 1, max(after + 1, before - 1))
            if rng.random() < 0.5:
                self._event(device, moment, "label_printed")
            else:
                diagnosis = json.dumps({"result": "pass", "diagnosis_id": self._record()})
                self._event(device, moment, "diagnosis", diagnosis)

    def _intake(self, day: int, site: int, donor: int, size: int) -> None:
        rng = self.rng
        moment = day * DAY + rng.randint(7 * 3600, 15 * 3600)
        for _ in range(size):
            moment += rng.randint(10, 60)
            device = self._new_device(site, donor, moment)
            self._event(device, moment, "intake", to_status="received")
            self._event(device, moment + rng.randint(5, 300), "label_printed")
            self._workshop(device, moment)

    def _ship(self, day: int) -> None:
        """Each workshop sends its devices ready since yesterday, 5–30 to a partner at a time."""
        if _weekday(day) > 4:
            return
        rng = self.rng
        for workshop, pool in self._pool.items():
            while pool and pool[0][0] < day * DAY:
                ready = 0
                for moment, _ in pool:
                    ready += moment < day * DAY
                size = self._next_size.setdefault(workshop, rng.randint(5, 30))
                waited = day * DAY - pool[0][0] > 21 * DAY
                if ready < size and not (waited and ready >= min(5, len(pool))):
                    break
                del self._next_size[workshop]
                chosen = [heapq.heappop(pool)[1] for _ in range(min(size, ready))]
                partners = self.network.partners_of_workshop[workshop]
                partner = rng.choices(
                    partners, weights=[1 / (n + 1) for n in range(len(partners))]
                )[0]
                self._send(day, chosen, partner)

    def _send(self, day: int, devices: list[int], partner: int) -> None:
        rng = self.rng
        self._shipments += 1
        shipment = self._shipments
        allocated = day * DAY + rng.randint(8 * 3600, 12 * 3600)
        shipped = self._later(allocated, rng.uniform(1, 4))
        delivered = self._later(shipped, rng.uniform(1, 4))
        for n, device in enumerate(devices):
            self._allocations += 1
            links = json.dumps({"allocation_id": self._allocations, "line_id": shipment})
            for moment, kind, before, shipped_in in (
                (allocated + n, "allocated", "available", None),
                (shipped + n, "shipped", "allocated", shipment),
                (delivered + n, "delivered", "shipped", shipment),
            ):
                self._event(
                    device, moment, kind, links, from_status=before, to_status=kind,
                    request=shipment, shipment=shipped_in, partner=partner,
                )  # fmt: skip
            status, moment = "delivered", delivered + n
            if rng.random() < 0.70:
                moment = self._later(moment, rng.expovariate(1 / 25) + 2)
                self._handovers += 1
                count = self._beneficiaries[partner]
                if count and rng.random() < 0.12:  # someone equipped twice
                    person = rng.randint(1, count)
                else:
                    person = self._beneficiaries[partner] = count + 1
                handover = json.dumps({"handover_id": self._handovers, "age_band": "18-25"})
                self._event(device, moment, "handed_over", handover, from_status=status,
                            to_status="handed_over", beneficiary=f"B{person:06d}",
                            request=shipment, partner=partner)  # fmt: skip
                status = "handed_over"
            if rng.random() < 0.05 * (0.4 if status == "handed_over" else 2.0):
                moment = self._later(moment, rng.expovariate(1 / 40) + 3)
                reason = json.dumps({"reason": "ne convient pas"})
                self._event(device, moment, "returned", reason, from_status=status,
                            to_status="returned", request=shipment, partner=partner)  # fmt: skip
                if rng.random() < 0.7:
                    self._workshop(device, moment, returned=True)

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Batches of intakes by day, with the network growing over the years."""
        rng = self.rng
        batches: list[tuple[int, int, int, int, int]] = []
        left = self.devices
        network = self.network
        while left > 0:
            size = min(left, max(1, min(200, round(rng.expovariate(1 / 60)))))
            left -= size
            x = (-1 + (1 + 2.24 * rng.random()) ** 0.5) / 0.8  # density 1 + 0.8 x over [0, 1]
            day = min(DAYS - 1, _workday(int(x * DAYS)))
            donor = rng.choices(range(len(network.donor_ids)), weights=network.donor_weights)[0]
            site = rng.choice(network.donor_sites[donor])
            batches.append((day, len(batches), site, donor, size))
        batches.sort()
        out: list[str] = []
        position = 0
        for day in range(DAYS):
            while position < len(batches) and batches[position][0] == day:
                _, _, site, donor, size = batches[position]
                self._intake(day, site, donor, size)
                position += 1
            self._ship(day)
            self._flush(day, out)
            if self.write is not None and (len(out) >= 20_000 or day == DAYS - 1):
                self.write("".join(out))
                out.clear()
            if progress is not None:
                progress(day, self.events)

    def device_rows(self) -> Iterator[str]:
        """The devices as their last event left them, COPY text."""
        network = self.network
        for index, status in enumerate(self.status):
            device = index + 1
            category = self.category[index]
            brand, model = BRANDS[category]
            has_storage = CATEGORIES[category][2]
            computer = category in ("laptop", "desktop")
            ram = (4, 8, 16)[device % 3] if computer else NULL
            storage = (128, 256, 512)[device % 3] if has_storage else NULL
            site = self.site[index]
            yield (
                f"{device}\t{_code(device)}\t{category}\t{brand}\t{model}\tSN{device:09d}\t"
                f"{'t' if has_storage else 'f'}\t{self._weight_text(device)}\t{ram}\t{storage}\t"
                f"{status}\t{self.grade[index] or NULL}\t{network.workshop_of_site[site]}\t"
                f"{network.site_ids[site]}\t{network.donor_ids[self.donor[index]]}\t"
                f"{self._ts(self.received[index])}\t{self._ts(self.since[index])}\t"
                f"{self._ts(self.last_at[index])}\t1\n"
            )


# --- seeding -------------------------------------------------------------------------------------


@dataclass
class Phases:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
        print(f"impact: {name}: {self.seconds[name]:.1f} s", flush=True)


def _set_aside(connection: Any, table: str) -> list[str]:
    """Drop a table's foreign keys, unique constraints and secondary indexes (loaded faster
    without); the statements that restore them."""
    cursor = connection.cursor()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
        (table,),
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        (table, table),
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]


def _filler_for(network: Network, events_per_device: float) -> float:
    """The extra workshop events per device that bring the total to the target (a pilot run)."""
    pilot = Simulation(network, 20_000, 0.0, None)
    pilot.run()
    return max(0.0, events_per_device - pilot.events / pilot.devices)


@dataclass(frozen=True)
class Seeded:
    devices: int
    events: int


def seed(url: str, devices: int, events_per_device: float, phases: Phases) -> Seeded:
    rng = random.Random(2026)
    with phases.timed("organisations (services)"):
        network = _network(url, rng)
        filler = _filler_for(network, events_per_device)
    engine = create_engine(url, poolclass=NullPool)
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        cursor = connection.cursor()
        restore = _set_aside(connection, "events") + _set_aside(connection, "devices")
        raw.commit()
        with phases.timed("simulate + COPY events"), Progress() as progress:
            task = progress.add_task("events", total=round(devices * events_per_device))
            with cursor.copy(f"COPY events ({EVENT_COLUMNS}) FROM STDIN") as copy:
                simulation = Simulation(network, devices, filler, copy.write)
                simulation.run(lambda _day, events: progress.update(task, completed=events))
        with phases.timed("COPY devices"), Progress() as progress:
            task = progress.add_task("devices", total=devices)
            with cursor.copy(f"COPY devices ({DEVICE_COLUMNS}) FROM STDIN") as copy:
                chunk: list[str] = []
                for n, row in enumerate(simulation.device_rows(), start=1):
                    chunk.append(row)
                    if len(chunk) >= 10_000:
                        copy.write("".join(chunk))
                        chunk.clear()
                        progress.update(task, completed=n)
                copy.write("".join(chunk))
        cursor.execute("SELECT setval('devices_id_seq', %s)", (devices,))
        cursor.execute("SELECT setval('events_id_seq', %s)", (simulation.events,))
        cursor.execute("UPDATE event_sequence SET last = %s WHERE id = 1", (simulation.events,))
        raw.commit()
        with phases.timed("indexes and constraints"):
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for statement in restore:
                cursor.execute(statement)
            raw.commit()
    finally:
        raw.close()
        engine.dispose()
    with phases.timed("VACUUM ANALYZE"), _autocommit(url) as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return Seeded(devices, simulation.events)


@contextlib.contextmanager
def _autocommit(url: str) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


_REBUILD = """
import resource, sys, time
from collecte import models
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.impact import keeping
engine = make_engine(sys.argv[1])
started = time.perf_counter()
with session_scope(make_sessionmaker(engine)) as session:
    facts = keeping.rebuild(session)
print(facts, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@dataclass(frozen=True)
class Rebuilt:
    facts: int
    seconds: float
    peak_rss_mb: float


def rebuild(url: str, phases: Phases) -> Rebuilt:
    """The product's ``keeping.rebuild``, in a process of its own (its peak memory alone)."""
    with phases.timed("keeping.rebuild"):
        done = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", _REBUILD, url], check=False, capture_output=True, text=True
        )
    if done.returncode:
        raise RuntimeError(f"keeping.rebuild failed ({done.returncode}):\n{done.stderr[-3000:]}")
    facts, seconds, peak_kb = done.stdout.split()[-3:]
    with phases.timed("ANALYZE impact"), _autocommit(url) as connection:
        connection.exec_driver_sql("VACUUM ANALYZE impact_facts")
        connection.exec_driver_sql("VACUUM ANALYZE impact_counts")
    return Rebuilt(int(facts), float(seconds), int(peak_kb) / 1024)


# --- measuring -----------------------------------------------------------------------------------


def scopes(url: str) -> dict[str, Scope]:
    """The scopes measured: the biggest donor, partner, site, territory and workshop."""
    with _autocommit(url) as connection:

        def biggest(column: str, where: str = "kind = 'intake'") -> Any:
            return connection.exec_driver_sql(
                f"SELECT {column} FROM events WHERE {where} GROUP BY {column} "  # noqa: S608 (ours)
                f"ORDER BY count(*) DESC, {column} LIMIT 1"
            ).scalar()

        donor = int(biggest("donor_id"))
        partner = int(biggest("partner_id", "kind = 'delivered'"))
        site = int(biggest("site_id"))
        territory = str(biggest("territory"))
        workshop = int(biggest("workshop_id"))
    return {
        "whole network": Scope(),
        f"donor {donor}": Scope(donor_id=donor),
        f"partner {partner}": Scope(partner_id=partner),
        f"site {site}": Scope(site_id=site),
        f"territory {territory}": Scope(territory=territory),
        f"workshop {workshop}": Scope(workshop_id=workshop),
        "year 2025": Scope(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31)),
        "2025-03-17 → 2025-11-04": Scope(
            date_from=dt.date(2025, 3, 17), date_to=dt.date(2025, 11, 4)
        ),
        f"year 2024, donor {donor}": Scope(
            date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31), donor_id=donor
        ),
    }


FLOOR = """
SELECT category,
  count(*) FILTER (WHERE kind = 'intake') AS collected,
  coalesce(sum(weight_kg) FILTER (WHERE kind = 'intake'), 0) AS collected_weighed_kg,
  count(DISTINCT device_id) FILTER (WHERE to_status = 'available') AS refurbished,
  count(DISTINCT device_id) FILTER (WHERE kind = 'delivered') AS redistributed,
  count(DISTINCT device_id) FILTER (WHERE kind = 'handed_over') AS handed_over,
  count(DISTINCT (partner_id, beneficiary_ref)) FILTER (WHERE kind = 'handed_over') AS people,
  count(*) FILTER (WHERE to_status = 'recycled') AS recycled,
  coalesce(sum(weight_kg) FILTER (WHERE to_status = 'recycled'), 0) AS recycled_weighed_kg,
  count(*) FILTER (WHERE to_status = 'parts') AS parts,
  coalesce(sum((payload ->> 'minutes')::int) FILTER (WHERE kind = 'repair'
    AND (payload ->> 'integration_contract')::boolean), 0) AS integration_minutes
FROM events
WHERE device_id IS NOT NULL {where}
GROUP BY category
"""


def floor_statement(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The floor's one statement for a scope, filtered on the events' own columns (local days)."""
    conditions, parameters = [], {}
    if scope.date_from is not None:
        conditions.append(
            "occurred_at >= (%(date_from)s::date)::timestamp AT TIME ZONE 'Europe/Paris'"
        )
        parameters["date_from"] = scope.date_from
    if scope.date_to is not None:
        conditions.append(
            "occurred_at < (%(date_to)s::date + 1)::timestamp AT TIME ZONE 'Europe/Paris'"
        )
        parameters["date_to"] = scope.date_to
    for name in ("donor_id", "partner_id", "site_id", "workshop_id", "territory"):
        value = getattr(scope, name)
        if value is not None:
            conditions.append(f"{name} = %({name})s")
            parameters[name] = value
    where = "".join(f" AND {condition}" for condition in conditions)
    return FLOOR.format(where=where), parameters


@dataclass
class Statements:
    """The statements an engine runs (a before_cursor_execute listener), with their time."""

    log: list[tuple[str, Any, float]] = field(default_factory=list)
    recording: bool = False
    _started: float = 0.0

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.recording:
            self.log.append((statement, parameters, (time.perf_counter() - self._started) * 1000))


@dataclass(frozen=True)
class Measured:
    scope: str
    dashboard_ms: float
    counters_ms: float
    floor_ms: float
    statements: list[tuple[str, Any, float]]  # the dashboard's statements (one more run)
    load: float  # the machine's load average (1 min) as the scope was measured

    @property
    def slowest(self) -> tuple[str, Any, float]:
        return max(self.statements, key=lambda entry: entry[2])

    @property
    def passed(self) -> bool:
        return self.dashboard_ms < TARGET_MS


def _median_ms(call: Callable[[], object], runs: int = RUNS) -> float:
    call()  # the warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(url: str, named: dict[str, Scope]) -> tuple[list[Measured], dict[str, Any]]:
    engine = make_engine(url)
    statements = Statements()
    statements.attach(engine)
    sessions = make_sessionmaker(engine)
    factors = factor_set(None, 0.5)
    floor_engine = create_engine(url, poolclass=NullPool)
    results: list[Measured] = []
    check: dict[str, Any] = {}

    def read(scope: Scope, breakdowns: Sequence[str]) -> counters.Impact:
        with sessions() as session, session.begin():
            return counters.read(session, scope, factors, breakdowns)

    try:
        with floor_engine.connect() as floor:
            for name, scope in named.items():
                dashboard_ms = _median_ms(partial(read, scope, BREAKDOWNS))
                statements.recording, statements.log = True, []
                impact = read(scope, BREAKDOWNS)
                statements.recording = False
                ran = statements.log
                counters_ms = _median_ms(partial(read, scope, ()))
                sql, parameters = floor_statement(scope)
                floor_ms = _median_ms(partial(_fetch, floor, sql, parameters))
                if name == "whole network":
                    rows = floor.exec_driver_sql(sql, parameters).mappings().all()
                    check = {
                        "collecte": impact.counters,
                        "floor": {
                            key: sum(float(row[key]) for row in rows)
                            for key in rows[0]
                            if key != "category"
                        },
                    }
                load = os.getloadavg()[0]
                measured = Measured(name, dashboard_ms, counters_ms, floor_ms, ran, load)
                results.append(measured)
                print(
                    f"impact: {name:28} dashboard {dashboard_ms:8.1f} ms  counters "
                    f"{counters_ms:8.1f} ms  floor {floor_ms:9.1f} ms  "
                    f"{'PASS' if measured.passed else 'FAIL'}  (load {load:.1f})",
                    flush=True,
                )
    finally:
        floor_engine.dispose()
        engine.dispose()
    return results, check


def _fetch(connection: Connection, sql: str, parameters: dict[str, Any]) -> object:
    return connection.exec_driver_sql(sql, parameters).all()


def explain(url: str, statement: str, parameters: Any) -> str:
    with _autocommit(url) as connection:
        rows = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
        ).all()
    return "\n".join(str(row[0]) for row in rows)


def sizes(url: str) -> dict[str, tuple[int, float]]:
    with _autocommit(url) as connection:
        return {
            table: (
                int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0),  # noqa: S608
                float(
                    connection.exec_driver_sql(f"SELECT pg_total_relation_size('{table}')").scalar()
                    or 0
                )
                / 2**20,
            )
            for table in ("events", "devices", "impact_facts", "impact_counts")
        }


def database_counts(url: str) -> Seeded:
    with _autocommit(url) as connection:
        devices = connection.exec_driver_sql("SELECT count(*) FROM devices").scalar()
        events = connection.exec_driver_sql("SELECT count(*) FROM events").scalar()
    return Seeded(int(devices or 0), int(events or 0))


# --- the report ----------------------------------------------------------------------------------


def report(
    seeded: Seeded,
    results: list[Measured],
    phases: Phases,
    rebuilt: Rebuilt | None,
    table_sizes: dict[str, tuple[int, float]],
    check: dict[str, Any],
    plan: str,
    worst: Measured,
    pg_version: str,
) -> str:
    verdict = "PASS" if all(result.passed for result in results) else "FAIL"
    lines = [
        f"## Impact: the dashboard over {seeded.devices:,} devices and {seeded.events:,} events",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `python -m bench impact`.",
        "",
        *machine_lines(pg_version),
        f"- data: a simulated network over {START} → {END}: {WORKSHOPS} workshops, {SITES} "
        f"sites in {len(PLACES)} départements, {DONORS} donors, {PARTNERS} partners; devices in "
        "pickups of 1–200 (one donor, one site, one day), categories "
        + ", ".join(f"{name} {share}%" for name, (share, _, _) in CATEGORIES.items())
        + "; about 65 % refurbished, most of them shipped to partners (5–30 a shipment), 70 % "
        "of those handed over, a few returned (some delivered again), 25 % recycled, 8 % parts; "
        "repairs on about a fifth; seq in time order, no hash chain. Seeded by COPY (the events' "
        "and devices' indexes and constraints built afterwards), then the product's "
        "`keeping.rebuild` filled impact_facts and impact_counts.",
        "- Collecte: `counters.read(session, scope, factors, BREAKDOWNS)` (dashboard: counters "
        "and six breakdowns), and with `breakdowns=()` (counters alone), each in its own "
        f"transaction; median of {RUNS} after a warm-up.",
        "- floor: one SQL statement over the events, `GROUP BY category`, filtered on the "
        "events' own columns (the period on occurred_at in Europe/Paris days); redistributed "
        "and handed over approximated as devices delivered / handed over at least once in scope "
        "(returns not subtracted).",
        "",
        "| phase | seconds |",
        "|---|---:|",
        *(f"| {name} | {seconds:.1f} |" for name, seconds in phases.seconds.items()),
    ]
    if rebuilt is not None:
        lines += [
            "",
            f"`keeping.rebuild`: {rebuilt.facts:,} facts in {rebuilt.seconds:.1f} s, peak RSS of "
            f"its process {rebuilt.peak_rss_mb:,.0f} MB.",
        ]
    lines += [
        "",
        "| table | rows | MB |",
        "|---|---:|---:|",
        *(f"| {table} | {rows:,} | {mb:,.0f} |" for table, (rows, mb) in table_sizes.items()),
        "",
        "| scope | dashboard P50 ms | counters only P50 ms | floor P50 ms | < 200 ms | load avg |",
        "|---|---:|---:|---:|---|---:|",
        *(
            f"| {r.scope} | {r.dashboard_ms:.1f} | {r.counters_ms:.1f} | {r.floor_ms:.1f} "
            f"| {'PASS' if r.passed else 'FAIL'} | {r.load:.1f} |"
            for r in results
        ),
        "",
        "Whole network, Collecte against the floor (a check of the data, not of speed): "
        + ", ".join(
            f"{name} {check['collecte'].get(name)} / {check['floor'].get(key, 0):.0f}"
            for name, key in (
                ("collected", "collected"),
                ("refurbished", "refurbished"),
                ("redistributed", "redistributed"),
                ("handed_over", "handed_over"),
                ("people_equipped", "people"),
                ("recycled", "recycled"),
                ("parts", "parts"),
            )
        )
        if check
        else "",
        "",
        f"Slowest scope: {worst.scope}; its dashboard's statements (one run, ms):",
        "",
        *(f"- {ms:.1f} ms: `{_gist(sql)}`" for sql, _, ms in worst.statements),
        "",
        f"Its slowest statement ({worst.slowest[2]:.1f} ms), EXPLAIN (ANALYZE, BUFFERS):",
        "",
        "```sql",
        worst.slowest[0].strip(),
        "```",
        "",
        "```",
        plan,
        "```",
        "",
        f"**Verdict: {verdict}** (every scope's dashboard under {TARGET_MS:.0f} ms)",
    ]
    return "\n".join(lines)


def _gist(sql: str) -> str:
    """A statement in one short line: what it selects from, how it groups."""
    flat = " ".join(sql.split())
    head = flat.split(" FROM ", 1)
    select = head[0][:60] + ("…" if len(head[0]) > 60 else "")
    rest = head[1] if len(head) > 1 else ""
    return f"{select} FROM {rest[:160]}" if rest else select


@contextlib.contextmanager
def kept_database(base_url: str, prefix: str) -> Iterator[str]:
    """A database that outlives the run (``--keep``)."""
    url = make_url(base_url)
    name = f"{prefix}_{secrets.token_hex(6)}"
    with _autocommit(url.render_as_string(hide_password=False)) as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Seed (or reuse), rebuild, measure, print, write the section; 0 on PASS, 1 on FAIL."""
    parser = argparse.ArgumentParser(prog="python -m bench.impact", description=__doc__)
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--events-per-device", type=float, default=10.0)
    parser.add_argument("--keep", action="store_true", help="keep the database, print its URL")
    parser.add_argument("--reuse", metavar="URL", help="measure a database seeded before")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild again")
    options = parser.parse_args(argv)
    terminate_gracefully()
    phases = Phases()
    rebuilt: Rebuilt | None = None
    if options.reuse:
        database: contextlib.AbstractContextManager[str] = contextlib.nullcontext(options.reuse)
    elif options.keep:
        database = kept_database(postgres_base_url(), "collecte_bench_impact")
    else:
        database = fresh_postgres_database(postgres_base_url(), "collecte_bench_impact")
    with database as url:
        if not options.reuse:
            with phases.timed("migrations"):
                upgrade_database(url)
            seed(url, options.devices, options.events_per_device, phases)
            if options.keep:
                print(f"impact: kept database {url}", flush=True)
        if not options.reuse or options.rebuild:
            rebuilt = rebuild(url, phases)
            print(
                f"impact: rebuild {rebuilt.facts} facts, {rebuilt.seconds:.1f} s, peak RSS "
                f"{rebuilt.peak_rss_mb:.0f} MB (bench process {_own_peak_mb():.0f} MB)"
            )
        if options.reuse:
            phases, rebuilt = _recalled(url, phases, rebuilt)
        else:
            _remember(url, phases, rebuilt)
        seeded = database_counts(url)
        table_sizes = sizes(url)
        for table, (rows, mb) in table_sizes.items():
            print(f"impact: {table}: {rows} rows, {mb:.0f} MB")
        results, check = measure(url, scopes(url))
        worst = max(results, key=lambda result: result.dashboard_ms)
        plan = explain(url, worst.slowest[0], worst.slowest[1])
        print(f"impact: slowest statement ({worst.scope}, {worst.slowest[2]:.1f} ms):")
        print(worst.slowest[0].strip())
        print(plan)
        pg_version = server_version(url)
    passed = all(result.passed for result in results)
    write_results_section(
        "impact",
        report(seeded, results, phases, rebuilt, table_sizes, check, plan, worst, pg_version),
    )
    print(f"impact: {'PASS' if passed else 'FAIL'} (every scope's dashboard under 200 ms)")
    print(
        f"impact: {seeded.devices} devices {seeded.events} events: "
        f"collecte {worst.dashboard_ms:.1f} ms, floor {worst.floor_ms:.1f} ms"
    )
    return 0 if passed else 1


def _remember(url: str, phases: Phases, rebuilt: Rebuilt | None) -> None:
    """The seeding's phases in the database's comment, for a later ``--reuse``."""
    note = {"phases": phases.seconds, "rebuilt": rebuilt.__dict__ if rebuilt else None}
    name = make_url(url).database
    with _autocommit(url) as connection:
        quoted = json.dumps(note).replace("'", "''")
        connection.exec_driver_sql(f"COMMENT ON DATABASE \"{name}\" IS '{quoted}'")


def _recalled(url: str, phases: Phases, rebuilt: Rebuilt | None) -> tuple[Phases, Rebuilt | None]:
    """The phases of the run that seeded this database (those of this run take precedence)."""
    with _autocommit(url) as connection:
        comment = connection.exec_driver_sql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        ).scalar()
    try:
        note = json.loads(comment or "{}")
    except ValueError:
        return phases, rebuilt
    earlier = Phases(
        {f"{name} (when seeded)": seconds for name, seconds in note.get("phases", {}).items()}
    )
    earlier.seconds.update(phases.seconds)
    if rebuilt is None and note.get("rebuilt"):
        rebuilt = Rebuilt(**note["rebuilt"])
    return earlier, rebuilt


def _own_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    raise SystemExit(main())
