"""The rows ``bench.pages`` copies in: pickups, devices and their events, and the partner flow
(requests, lines, shipments, allocations, hand-overs) of the devices that went to partners.

Rows are COPY text. Events are numbered and hash-chained as committed events are: their links
are computed by the product's own ``collecte.core.chain`` from the values written.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

from bench._pages_shape import (
    CATEGORIES,
    CATEGORY_CUMULATIVE,
    CATEGORY_NAMES,
    DAY,
    FLOW,
    HISTORY_DAYS,
    NULL,
    SERIAL_ALPHABET,
    STATUS_CUMULATIVE,
    STATUSES,
    Chunk,
    Counters,
    check_content,
    copy_value,
    device_code,
    event_path,
)
from bench._pages_world import World
from collecte.core.chain import CONTENT, next_link


@dataclass
class Generator:
    """Makes the rows of new devices, their pickups and partner flow, continuing the ids and the
    hash chain of what the database holds."""

    world: World
    counters: Counters
    rng: random.Random
    now: int  # epoch seconds: the end of the history
    actor_id: int  # the staff workshop's technician, on its devices' events
    _days: dict[int, str] = field(default_factory=dict)
    _checked: bool = False
    # Per chunk: one request per partner, a line per category, shipments of up to 20 devices.
    _requests: dict[int, int] = field(default_factory=dict)  # partner -> request
    _lines: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # [id, quantity]
    _open: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # [id, devices]
    _request_rows: dict[int, tuple[int, int, bool]] = field(default_factory=dict)

    def _next(self, table: str) -> int:
        value = self.counters.ids[table]
        self.counters.ids[table] = value + 1
        return value

    def _times(self, moment: int) -> tuple[str, str]:
        """A moment as COPY text and as the chain reads it back (UTC, to the microsecond)."""
        day, rest = divmod(moment, DAY)
        date = self._days.get(day)
        if date is None:
            date = self._days[day] = dt.date.fromordinal(719_163 + day).isoformat()
        hours, rest = divmod(rest, 3600)
        clock = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
        return f"{date} {clock}+00", f"{date}T{clock}.000000Z"

    def _event(self, chunk: Chunk, moment: int, kind: str, **values: Any) -> None:
        event_id, seq = self._next("events"), self.counters.seq + 1
        self.counters.seq = seq
        stamp, chained = self._times(moment)
        payload = values.pop("payload", {})
        row = {
            "kind": kind, "subject": values.pop("subject", "device"), "device_id": None,
            "pickup_id": None, "request_id": None, "shipment_id": None, "beneficiary_ref": None,
            "from_status": None, "to_status": None, "actor_id": None, "workshop_id": None,
            "site_id": None, "territory": None, "donor_id": None, "partner_id": None,
            "category": None, "weight_kg": None, "note": "", "payload": payload,
            "occurred_at": chained, "recorded_at": chained, **values,
        }  # fmt: skip
        # chain.content's own serialisation, without its conversions: every value is plain here
        # already (``check_content`` compares the two).
        body = json.dumps(
            [row[name] for name in CONTENT],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        if not self._checked:
            check_content(body, row)
            self._checked = True
        link = next_link(self.counters.head, seq, body)
        self.counters.head = link
        weight = row["weight_kg"]
        chunk.rows["events"].append(
            f"{event_id}\t{seq}\t{kind}\t{row['subject']}\t{copy_value(row['device_id'])}\t"
            f"{copy_value(row['pickup_id'])}\t{copy_value(row['request_id'])}\t"
            f"{copy_value(row['shipment_id'])}\t{copy_value(row['beneficiary_ref'])}\t"
            f"{copy_value(row['from_status'])}\t{copy_value(row['to_status'])}\t"
            f"{copy_value(row['actor_id'])}\t{copy_value(row['workshop_id'])}\t{copy_value(row['site_id'])}\t"
            f"{copy_value(row['territory'])}\t{copy_value(row['donor_id'])}\t{copy_value(row['partner_id'])}\t"
            f"{copy_value(row['category'])}\t{NULL if weight is None else repr(weight)}\t\t"
            f"{json.dumps(payload, ensure_ascii=False)}\t{stamp}\t{stamp}\t{link}\n"
        )

    # -- pickups --------------------------------------------------------------------------------

    def pickup(self, chunk: Chunk, donor: int, site: int, counts: dict[str, int], at: int) -> int:
        """A collected pickup of these devices, with its three events."""
        world, pickup_id = self.world, self._next("pickups")
        territory, postcode, city = world.donor_places[donor]
        donor_id, where = world.donor_ids[donor], world.sites[site]
        weight = round(sum(CATEGORIES[c][1] * n for c, n in counts.items()), 1)
        items = [{"category": c, "quantity": n} for c, n in counts.items()]
        requested = at - 10 * DAY
        stamp, _ = self._times(at)
        day = stamp[:10]
        chunk.rows["pickups"].append(
            f"{pickup_id}\t{donor_id}\tcollected\t{pickup_id % 90 + 1} rue de la République\t\t\t"
            f"\t{postcode}\t{city}\t{territory}\tf\tf\tf\tf\t\tContact {donor + 1}\t"
            f"contact{donor + 1}@donateur.example.org\t\tf\t[]\t{json.dumps(items)}\tcertificate"
            f"\t[]\t{self._times(requested)[0]}\t{day}\t09:00\t12:00\t{where.id}\tvan\t{stamp}\t"
            f"{json.dumps(counts)}\t{weight}\tAccueil\tÉquipe atelier\t\tfr\t\n"
        )
        dims = {"subject": "pickup", "pickup_id": pickup_id, "donor_id": donor_id}
        self._event(chunk, requested, "pickup_requested", payload={"items": items},
                    from_status=None, to_status="requested", territory=territory, **dims)  # fmt: skip
        placed = {"workshop_id": where.workshop_id, "site_id": where.id, "territory": territory}
        scheduled = {"date": day, "site_id": where.id, "window_start": "09:00",
                     "window_end": "12:00", "vehicle": "van"}  # fmt: skip
        self._event(chunk, requested + DAY, "pickup_scheduled", payload=scheduled,
                    from_status="requested", to_status="scheduled", **placed, **dims)  # fmt: skip
        collected = {"weight_kg": weight, "counts": counts, "released_by": "Accueil",
                     "received_by": "Équipe atelier"}  # fmt: skip
        self._event(chunk, at, "pickup_collected", payload=collected, from_status="scheduled",
                    to_status="collected", **placed, **dims)  # fmt: skip
        return pickup_id

    def open_pickups(self, chunk: Chunk, count: int) -> None:
        """Pickups still to plan (requested, no site) and planned ahead (scheduled), for the board;
        no events (the board does not read them)."""
        world = self.world
        for n in range(count):
            donor = n % len(world.donor_ids)
            territory, postcode, city = world.donor_places[donor]
            pickup_id = self._next("pickups")
            requested_stamp = self._times(self.now - (n % 20) * DAY)[0]
            start, _ = self._times(self.now + (3 + n % 25) * DAY + 9 * 3600)
            end, _ = self._times(self.now + (3 + n % 25) * DAY + 12 * 3600)
            windows = json.dumps([{"start": start.replace(" ", "T").replace("+00", "+00:00"),
                                   "end": end.replace(" ", "T").replace("+00", "+00:00")}])  # fmt: skip
            scheduled = n % 2 == 1
            site = world.sites[2 * world.donor_workshop[donor]]
            items = json.dumps([{"category": "laptop", "quantity": 5 + n % 30}])
            chunk.rows["pickups"].append(
                f"{pickup_id}\t{world.donor_ids[donor]}\t{'scheduled' if scheduled else 'requested'}"
                f"\t{n + 1} avenue de la Gare\t\t\t\t{postcode}\t{city}\t{territory}\tf\tf\tf\tf\t\t"
                f"Contact {donor + 1}\tcontact{donor + 1}@donateur.example.org\t\tf\t{windows}\t"
                f"{items}\tcertificate\t[]\t{requested_stamp}\t"
                f"{start[:10] if scheduled else NULL}\t{'09:00' if scheduled else ''}\t"
                f"{'12:00' if scheduled else ''}\t{site.id if scheduled else NULL}\t"
                f"{'van' if scheduled else ''}\t{NULL}\t{{}}\t{NULL}\t\t\t\tfr\t\n"
            )

    # -- devices --------------------------------------------------------------------------------

    def batch(self, chunk: Chunk, size: int) -> None:
        """One donor's pickup of ``size`` devices to one of its workshop's sites, and their lives."""
        rng, world = self.rng, self.world
        donor = rng.choices(range(len(world.donor_ids)), world.donor_weights)[0]
        workshop = world.donor_workshop[donor]
        site = 2 * workshop + rng.randrange(2)
        # Recent years weigh more (the network grows): density rising towards today.
        age = int(HISTORY_DAYS * (1 - rng.random() ** 0.5))
        at = (self.now // DAY - age) * DAY + rng.randint(8 * 3600, 11 * 3600)
        categories = [
            CATEGORY_NAMES[bisect.bisect_right(CATEGORY_CUMULATIVE, rng.random() * 100)]
            for _ in range(size)
        ]
        counts: dict[str, int] = {}
        for category in categories:
            counts[category] = counts.get(category, 0) + 1
        pickup_id = self.pickup(chunk, donor, site, counts, at)
        for n, category in enumerate(categories):
            self.device(chunk, donor, site, pickup_id, category, at + 60 * n)
        chunk.devices += size

    def device(
        self, chunk: Chunk, donor: int, site: int, pickup_id: int, category: str, at: int
    ) -> None:
        rng, world = self.rng, self.world
        device_id = self._next("devices")
        status = STATUSES[bisect.bisect_right(STATUS_CUMULATIVE, rng.random() * 100)]
        _, typical, has_storage, models = CATEGORIES[category]
        brand, model = models[device_id % len(models)]
        weight = round(typical * rng.uniform(0.8, 1.25), 2)
        computer = category in ("laptop", "desktop")
        where = world.sites[site]
        serial = "".join(rng.choices(SERIAL_ALPHABET, k=10))
        grade = ("X" if status == "parts" else rng.choices("ABC", (20, 50, 30))[0]) if status in (
            "graded", "available", "allocated", "shipped", "delivered", "handed_over",
            "returned", "parts",
        ) else None  # fmt: skip
        dims = {
            "device_id": device_id, "workshop_id": where.workshop_id, "site_id": where.id,
            "territory": where.territory, "donor_id": world.donor_ids[donor],
            "category": category, "weight_kg": weight,
            "actor_id": self.actor_id if where.workshop_id == world.staff_workshop_id else None,
        }  # fmt: skip
        last, since = self._life(chunk, status, has_storage, grade, at, dims)
        on_hold = status in ("available", "graded", "diagnosed") and rng.random() < 0.02
        chunk.rows["devices"].append(
            f"{device_id}\t{device_code(device_id)}\t{category}\t{brand}\t{model}\t{serial}\t"
            f"{'t' if has_storage else 'f'}\t{weight}\t{(4, 8, 16)[device_id % 3] if computer else NULL}"
            f"\t{(128, 256, 512)[device_id % 3] if has_storage else NULL}\t{status}\t"
            f"{grade or NULL}\t{where.workshop_id}\t{where.id}\t{world.donor_ids[donor]}\t"
            f"{pickup_id}\t{'en attente de pièce' if on_hold else NULL}\t"
            f"{self._times(last)[0] if on_hold else NULL}\t{self._times(at)[0]}\t"
            f"{self._times(since)[0]}\t{self._times(last)[0]}\t1\n"
        )

    def _life(
        self,
        chunk: Chunk,
        status: str,
        has_storage: bool,
        grade: str | None,
        at: int,
        dims: dict[str, Any],
    ) -> tuple[int, int]:
        """The events from intake to the device's status now; (last event, history since)."""
        steps = event_path(status, has_storage)
        # Spread over the days since intake, at most two days apart (and never after now).
        gap = max(60, min(2 * DAY, (self.now - at) // (len(steps) + 1)))
        moment, since = at, at
        partner: dict[str, Any] = {}
        if FLOW.get(status):
            allocated = next(n for n, step in enumerate(steps) if step[0] == "allocated")
            partner = self._bind(chunk, status, dims, at + gap * allocated, gap)
        for n, (kind, before, after) in enumerate(steps):
            moment = at + gap * n
            payload: dict[str, Any] = {}
            extra: dict[str, Any] = {}
            if kind == "diagnosis":
                payload = {"result": "fail" if after in ("recycled", "parts") else "pass",
                           "diagnosis_id": dims["device_id"]}  # fmt: skip
            elif kind == "erasure":
                payload = {"erasure_id": dims["device_id"], "storage_serial":
                           f"S{dims['device_id']:09d}", "result": "erased", "verified": True}  # fmt: skip
            elif kind == "grade":
                functional, cosmetic = {"A": ("F6", "C7"), "B": ("F5", "C5"), "C": ("F4", "C3"),
                                        "X": ("F1", "C2")}[grade or "C"]  # fmt: skip
                payload = {"functional": functional, "cosmetic": cosmetic, "grade": grade or "C"}
            elif kind in ("allocated", "shipped", "delivered", "handed_over", "returned"):
                extra = {"request_id": partner["request_id"], "partner_id": partner["partner_id"]}
                if kind != "allocated":
                    extra["shipment_id"] = partner["shipment_id"]
                payload = {"allocation_id": partner["allocation_id"], "line_id": partner["line_id"]}
                if kind == "handed_over":
                    payload = {"handover_id": partner["handover_id"], "age_band": "26-64"}
                    extra["beneficiary_ref"] = partner["beneficiary_ref"]
                elif kind == "returned":
                    payload = {"reason": "ne convient pas"}
                    since = moment
            elif kind == "transition" and after in ("recycled", "parts"):
                payload = {"weight_kg": dims["weight_kg"]}
            self._event(chunk, moment, kind, payload=payload, from_status=before,
                        to_status=after, **dims, **extra)  # fmt: skip
        return moment, since

    def _bind(
        self, chunk: Chunk, status: str, dims: dict[str, Any], allocated_at: int, gap: int
    ) -> dict[str, Any]:
        """The request line, shipment, allocation (and hand-over) of a device sent to a partner."""
        rng, world = self.rng, self.world
        workshop = world.workshop_ids.index(dims["workshop_id"])
        partners = world.partner_ids[workshop]
        partner_id = rng.choices(partners, [1 / (n + 1) for n in range(len(partners))])[0]
        request_id, line_id = self._line(chunk, partner_id, dims["workshop_id"], dims["category"])
        shipment_id = None
        if status != "allocated":
            shipment_id = self._shipment(chunk, request_id, partner_id, dims["workshop_id"],
                                         "dispatched" if status == "shipped" else "delivered")  # fmt: skip
        shipped, delivered = allocated_at + gap, allocated_at + 2 * gap
        allocation_id = self._next("allocations")
        returned = status == "returned"
        chunk.rows["allocations"].append(
            f"{allocation_id}\t{request_id}\t{line_id}\t{dims['device_id']}\t"
            f"{self._times(allocated_at)[0]}\t{copy_value(shipment_id)}\t"
            f"{self._times(shipped)[0] if shipment_id else NULL}\t"
            f"{self._times(delivered)[0] if status not in ('allocated', 'shipped') else NULL}\t"
            f"{self._times(delivered + gap)[0] if returned else NULL}\t"
            f"{'returned' if returned else NULL}\t{'ne convient pas' if returned else ''}\n"
        )
        bound: dict[str, Any] = {"partner_id": partner_id, "request_id": request_id, "line_id": line_id,
                 "shipment_id": shipment_id, "allocation_id": allocation_id}  # fmt: skip
        if status == "handed_over":
            bound["handover_id"] = handover_id = self._next("handovers")
            bound["beneficiary_ref"] = reference = f"B{handover_id:07d}"
            chunk.rows["handovers"].append(
                f"{handover_id}\t{dims['device_id']}\t{partner_id}\t{request_id}\t{reference}\t"
                f"26-64\t{self._times(delivered + gap)[0]}\t\n"
            )
        return bound

    def _line(
        self, chunk: Chunk, partner_id: int, workshop_id: int, category: str
    ) -> tuple[int, int]:
        request_id = self._requests.get(partner_id)
        if request_id is None:
            request_id = self._requests[partner_id] = self._next("requests")
            self._request_rows[request_id] = (partner_id, workshop_id, False)
        line = self._lines.get((request_id, category))
        if line is None:
            line = self._lines[(request_id, category)] = [self._next("request_lines"), 0]
        line[1] += 1
        return request_id, line[0]

    def _shipment(
        self, chunk: Chunk, request_id: int, partner_id: int, workshop_id: int, status: str
    ) -> int:
        current = self._open.get((request_id, status))
        if current is None or current[1] >= 20:
            current = self._open[(request_id, status)] = [self._next("shipments"), 0]
            moment = self._times(self.now - 30 * DAY)[0]
            chunk.rows["shipments"].append(
                f"{current[0]}\t{request_id}\t{partner_id}\t{workshop_id}\t{status}\tColissimo\t"
                f"{moment}\t{moment}\t{moment if status == 'delivered' else NULL}\t1\n"
            )
        current[1] += 1
        if status == "dispatched":
            partner, workshop, _ = self._request_rows[request_id]
            self._request_rows[request_id] = (partner, workshop, True)
        return current[0]

    def close_chunk(self, chunk: Chunk) -> None:
        """Write this chunk's requests and lines (their quantities are known now)."""
        moment = self._times(self.now - 60 * DAY)[0]
        for request_id, (partner_id, workshop_id, under_way) in self._request_rows.items():
            territory = self.world.partner_territory[partner_id]
            chunk.rows["requests"].append(
                f"{request_id}\t{partner_id}\t{workshop_id}\t{territory}\t"
                f"{'approved' if under_way else 'closed'}\t10\t\t\t{moment}\t{moment}\t1\n"
            )
        for (request_id, category), (line_id, quantity) in self._lines.items():
            chunk.rows["request_lines"].append(f"{line_id}\t{request_id}\t{category}\t{quantity}\n")
        self._requests.clear()
        self._lines.clear()
        self._open.clear()
        self._request_rows.clear()
