"""The day-by-day simulation of ``bench.impact``: devices and their events, written for COPY."""

from __future__ import annotations

import bisect
import heapq
import itertools
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bench._impact_world import (
    BRANDS,
    CATEGORIES,
    CATEGORY_CUMULATIVE,
    CATEGORY_NAMES,
    DAY,
    DAYS,
    NULL,
    STATUS_RESETS,
    Network,
    _code,
    _day_strings,
    _weekday,
    _workday,
)
from collecte import models as _all_models  # noqa: F401 (every table known before the first flush)


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
