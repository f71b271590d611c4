"""Best fit: which available device a request line gets. Pure rules, no database.

A device *meets* a line when it is of the line's category, at least the line's grade (A best) and
at least its RAM and storage. Among the devices that meet a line, the line gets the *least
capable* one: lowest grade, then least RAM, then least storage, then longest in stock, so that a
modest line never takes the device a demanding one needs (DESIGN, "Partners").

``allocate`` serves lines in the order given (the caller orders them: oldest approval first) and
gives each the least capable device that meets it. Devices are grouped by their specification, so
a line looks at one group per distinct specification, not at every device.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from collecte.devices.grading import Grade

# Grades partners can receive, least capable first.
GRADE_RANK: dict[Grade, int] = {Grade.C: 0, Grade.B: 1, Grade.A: 2}


class Candidate(NamedTuple):
    """What allocation reads of an available device (a tuple: a run reads 100,000 of them, and a
    frozen dataclass takes twice as long to build)."""

    id: int
    category: str
    grade: Grade
    ram_gb: int | None
    storage_gb: int | None
    in_stock_since: dt.datetime


@dataclass(frozen=True)
class Need:
    """One line's requirement, and how many devices it still needs."""

    line_id: int
    category: str
    quantity: int
    min_grade: Grade | None = None
    min_ram_gb: int | None = None
    min_storage_gb: int | None = None


def meets(device: Candidate, need: Need) -> bool:
    """Whether the device satisfies every requirement of the line."""
    if device.category != need.category or device.grade not in GRADE_RANK:
        return False
    if need.min_grade is not None and GRADE_RANK[device.grade] < GRADE_RANK[need.min_grade]:
        return False
    if need.min_ram_gb is not None and (device.ram_gb or 0) < need.min_ram_gb:
        return False
    return need.min_storage_gb is None or (device.storage_gb or 0) >= need.min_storage_gb


def capability(device: Candidate) -> tuple[int, int, int, dt.datetime]:
    """The best-fit order: least capable first, then longest in stock."""
    return (
        GRADE_RANK.get(device.grade, -1),
        device.ram_gb or 0,
        device.storage_gb or 0,
        device.in_stock_since,
    )


def _in_stock_since(device: Candidate) -> dt.datetime:
    return device.in_stock_since


def allocate(needs: Sequence[Need], devices: Iterable[Candidate]) -> dict[int, list[int]]:
    """Device ids for each line id, best fit, lines served in the order given."""
    # One queue of devices per specification, oldest in stock first; specifications in best-fit
    # order per category (grouped first, then each group sorted: the same order as sorting every
    # device by ``capability``, at half the cost for a stock of 100,000).
    groups: dict[tuple[str, Grade, int, int], list[Candidate]] = defaultdict(list)
    for device in devices:
        groups[(device.category, device.grade, device.ram_gb or 0, device.storage_gb or 0)].append(
            device
        )
    by_category: dict[str, list[deque[Candidate]]] = defaultdict(list)
    for key in sorted(groups, key=lambda k: (GRADE_RANK.get(k[1], -1), k[2], k[3])):
        by_category[key[0]].append(deque(sorted(groups[key], key=_in_stock_since)))
    chosen: dict[int, list[int]] = {}
    for need in needs:
        taken = chosen.setdefault(need.line_id, [])
        for queue in by_category.get(need.category, ()):
            if len(taken) >= need.quantity:
                break
            if not queue or not meets(queue[0], need):
                continue
            while queue and len(taken) < need.quantity:
                taken.append(queue.popleft().id)
    return chosen
