"""Order one van's stops for a day with VROOM: time windows, capacity, a depot; pure, no database.

Travel times are straight-line (haversine) distances driven at an average urban van speed; each
stop adds a service time for loading. Stops without coordinates cannot be routed and come back
apart, in window order; stops the solver cannot fit (window, capacity) come back as unassigned,
each with a reason, never silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from collecte.core.vocabulary import N_

# An urban van averages about 20 km/h door to door in French cities once traffic, lights and
# parking are counted; applied to straight-line distance it also absorbs the detours of streets.
AVERAGE_SPEED_KMH = 20.0
# Parking, finding the contact, carrying out: a base time plus a little per declared item.
SERVICE_BASE_MINUTES = 15
SERVICE_MINUTES_PER_ITEM = 1
SERVICE_MAX_MINUTES = 60
# The van's working day when the caller gives none (minutes after midnight, local time).
DAY_START = 7 * 60
DAY_END = 19 * 60
EARTH_RADIUS_KM = 6371.0088

# Typical weight of one device, for a load estimate when the donor gave no weight (kg; ADEME and
# manufacturers' sheets put a laptop near 2 kg, a desktop tower near 8, a 22-24" monitor near 4.5).
TYPICAL_WEIGHT_KG: Mapping[str, float] = {
    "laptop": 2.0,
    "desktop": 8.0,
    "smartphone": 0.2,
    "tablet": 0.5,
    "monitor": 4.5,
    "printer": 10.0,
    "other": 3.0,
}

_PROFILE = "car"
_SOLVER_SECONDS = 2


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Stop:
    """One pickup to route: where, when the donor can receive the team, how much it loads."""

    id: int
    location: Point | None
    # Accepted time windows, minutes after midnight; empty: any time in the working day.
    windows: tuple[tuple[int, int], ...] = ()
    load_kg: float = 0.0
    service_minutes: int = SERVICE_BASE_MINUTES


@dataclass(frozen=True)
class RoutedStop:
    id: int
    arrival: int  # minutes after midnight when the team is at the door (after any wait)
    departure: int  # arrival plus the service time
    load_after_kg: float  # what the van carries when leaving this stop


# Why a stop was left out, by code (the API gives both the code and the text; pages translate).
REASONS: dict[str, str] = {
    "outside_day": N_("its window (%(windows)s) lies outside the working day %(day)s"),
    "too_heavy": N_(
        "its expected load of %(load)s kg exceeds the vehicle's %(capacity)s kg capacity on its own"
    ),
    "unreachable": N_("its window cannot be reached from the site and back within the working day"),
    "vehicle_full": N_(
        "the vehicle is full: %(planned)s kg already planned, %(load)s kg more would exceed its "
        "%(capacity)s kg capacity"
    ),
    "window_clash": N_("its window clashes with the windows of the other stops"),
}


@dataclass(frozen=True)
class Unassigned:
    id: int
    code: str  # a key of REASONS
    values: dict[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The reason in English."""
        return REASONS[self.code] % self.values


@dataclass(frozen=True)
class RoutePlan:
    """The solver's answer: the route in order, the stops left out and those it could not place."""

    route: list[RoutedStop] = field(default_factory=list)
    unassigned: list[Unassigned] = field(default_factory=list)
    uncoordinated: list[int] = field(default_factory=list)  # ids, in window order
    departure: int | None = None  # leaving the depot, minutes after midnight
    return_at: int | None = None  # back at the depot; None when the depot has no coordinates
    load_kg: float = 0.0  # expected load of the routed stops


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two points, in kilometres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat, dlon = lat2 - lat1, math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def travel_seconds(a: Point, b: Point, *, speed_kmh: float = AVERAGE_SPEED_KMH) -> int:
    """Driving time between two points at the average urban speed, in whole seconds."""
    return round(haversine_km(a, b) / speed_kmh * 3600)


def service_minutes(item_count: int) -> int:
    """Time spent at a stop: a base time plus a minute per declared item, capped."""
    return min(SERVICE_MAX_MINUTES, SERVICE_BASE_MINUTES + SERVICE_MINUTES_PER_ITEM * item_count)


def expected_load_kg(estimated_weight_kg: float | None, items: Mapping[str, int]) -> float:
    """The donor's weight estimate, else typical weights of the declared items."""
    if estimated_weight_kg is not None:
        return estimated_weight_kg
    return sum(TYPICAL_WEIGHT_KG.get(c, TYPICAL_WEIGHT_KG["other"]) * n for c, n in items.items())


def _clip(windows: Sequence[tuple[int, int]], day: tuple[int, int]) -> list[tuple[int, int]] | None:
    """Windows cut to the working day, in order; None when none of them overlaps it."""
    if not windows:
        return [day]
    clipped = sorted((max(s, day[0]), min(e, day[1])) for s, e in windows)
    kept = [(s, e) for s, e in clipped if s < e]
    return kept or None


def _window_key(stop: Stop) -> tuple[int, int]:
    return (min((s for s, _ in stop.windows), default=DAY_END), stop.id)


def _ceil_kg(value: float) -> int:
    # Loads round up and the capacity down, so the van is never planned over its payload.
    return math.ceil(value - 1e-9)


def clock(minutes: int) -> str:
    """Minutes after midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _reason(
    stop: Stop,
    windows: list[tuple[int, int]],
    *,
    reach: tuple[int, int],
    day: tuple[int, int],
    capacity_kg: float,
    routed_load_kg: float,
) -> tuple[str, dict[str, str]]:
    """Why the solver left a feasible-looking stop out: alone it fits, so windows or load clash."""
    to_stop, back = reach
    service = stop.service_minutes * 60
    alone = any(
        max(day[0] * 60 + to_stop, s * 60) <= e * 60
        and max(day[0] * 60 + to_stop, s * 60) + service + back <= day[1] * 60
        for s, e in windows
    )
    if not alone:
        return "unreachable", {}
    if routed_load_kg + stop.load_kg > capacity_kg:
        return "vehicle_full", {
            "planned": f"{routed_load_kg:.0f}",
            "load": f"{stop.load_kg:.0f}",
            "capacity": f"{capacity_kg:.0f}",
        }
    return "window_clash", {}


def _timetable(
    order: Sequence[tuple[int, Stop, list[tuple[int, int]]]],
    matrix: Sequence[Sequence[int]],
    *,
    day: tuple[int, int],
    open_route: bool,
) -> tuple[list[RoutedStop], int | None, int | None]:
    """Earliest times along the solver's order: the team is at each door as early as its window
    allows (the solver only guarantees some feasible time, often the last minute of a window)."""
    if not order:
        return [], None, None
    # Location 0 is the depot (at no distance from anything when it is virtual).
    seconds, previous = day[0] * 60, 0
    starts: list[int] = []
    for index, stop, windows in order:
        reached = seconds + matrix[previous][index]
        # The first window still open when the van arrives; the solver's order guarantees one.
        start = next((max(reached, s * 60) for s, e in windows if reached <= e * 60), reached)
        starts.append(start)
        seconds, previous = start + stop.service_minutes * 60, index
    route: list[RoutedStop] = []
    load = 0.0
    for (_, stop, _), start in zip(order, starts, strict=True):
        load += stop.load_kg
        route.append(
            RoutedStop(
                id=stop.id,
                arrival=start // 60,
                departure=(start + stop.service_minutes * 60) // 60,
                load_after_kg=load,
            )
        )
    # Leave the depot just in time for the first door rather than at the start of the day.
    departure = starts[0] - matrix[0][order[0][0]]
    return_at = None if open_route else (seconds + matrix[previous][0]) // 60
    return route, departure // 60, return_at


def plan_route(
    stops: Sequence[Stop],
    *,
    depot: Point | None,
    capacity_kg: float,
    speed_kmh: float = AVERAGE_SPEED_KMH,
    day: tuple[int, int] = (DAY_START, DAY_END),
) -> RoutePlan:
    """Order the stops from and back to the depot, respecting windows and the van's capacity."""
    if capacity_kg <= 0 or speed_kmh <= 0 or not 0 <= day[0] < day[1] <= 24 * 60:
        raise ValueError("capacity, speed and the working day must be positive")
    if len({s.id for s in stops}) != len(stops):
        raise ValueError("stop ids must be unique")
    located = [s for s in stops if s.location is not None]
    uncoordinated = [s.id for s in sorted(stops, key=_window_key) if s.location is None]
    unassigned: list[Unassigned] = []
    candidates: list[tuple[Stop, list[tuple[int, int]]]] = []
    for stop in located:
        windows = _clip(stop.windows, day)
        if windows is None:
            spans = ", ".join(f"{clock(s)}-{clock(e)}" for s, e in stop.windows)
            unassigned.append(
                Unassigned(
                    stop.id,
                    "outside_day",
                    {"windows": spans, "day": f"{clock(day[0])}-{clock(day[1])}"},
                )
            )
        elif stop.load_kg > capacity_kg:
            unassigned.append(
                Unassigned(
                    stop.id,
                    "too_heavy",
                    {"load": f"{stop.load_kg:.0f}", "capacity": f"{capacity_kg:.0f}"},
                )
            )
        else:
            candidates.append((stop, windows))
    if not candidates:
        return RoutePlan(unassigned=unassigned, uncoordinated=uncoordinated)

    # Location 0 is the depot; without coordinates it is a virtual point at no distance from any
    # stop, which makes the route open: it starts at the first stop and ends at the last.
    points = [s.location for s, _ in candidates]
    matrix = [[0] * (len(points) + 1) for _ in range(len(points) + 1)]
    for i, a in enumerate(points, start=1):
        for j, b in enumerate(points, start=1):
            if i != j and a is not None and b is not None:
                matrix[i][j] = travel_seconds(a, b, speed_kmh=speed_kmh)
        if depot is not None and a is not None:
            matrix[0][i] = travel_seconds(depot, a, speed_kmh=speed_kmh)
            matrix[i][0] = travel_seconds(a, depot, speed_kmh=speed_kmh)

    # Imported here, on the first run sheet: pyvroom brings pandas and numpy, 51 MB of a worker's
    # memory that no other page needs (tests/test_memory_imports.py keeps it out of start-up).
    import vroom  # type: ignore[import-untyped]  # pyvroom ships no type information

    problem = vroom.Input()
    problem.set_durations_matrix(_PROFILE, matrix)
    problem.add_vehicle(
        vroom.Vehicle(
            1,
            start=0,
            end=0,
            profile=_PROFILE,
            capacity=[math.floor(capacity_kg + 1e-9)],
            time_window=vroom.TimeWindow(day[0] * 60, day[1] * 60),
        )
    )
    for index, (stop, windows) in enumerate(candidates, start=1):
        problem.add_job(
            vroom.Job(
                stop.id,
                location=index,
                default_service=stop.service_minutes * 60,
                pickup=[_ceil_kg(stop.load_kg)],
                time_windows=[vroom.TimeWindow(s * 60, e * 60) for s, e in windows],
            )
        )
    solution = problem.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=_SOLVER_SECONDS)
    )

    by_id = {stop.id: (index, stop, windows) for index, (stop, windows) in enumerate(candidates, 1)}
    order = [
        int(step["id"]) for step in solution.routes.to_dict("records") if str(step["type"]) == "job"
    ]
    route, departure, return_at = _timetable(
        [by_id[i] for i in order], matrix, day=day, open_route=depot is None
    )
    load = route[-1].load_after_kg if route else 0.0
    for stop_id, (index, stop, windows) in by_id.items():
        if stop_id not in order:
            reach = (matrix[0][index], matrix[index][0])
            code, values = _reason(
                stop, windows, reach=reach, day=day, capacity_kg=capacity_kg, routed_load_kg=load
            )
            unassigned.append(Unassigned(stop_id, code, values))
    return RoutePlan(
        route=route,
        unassigned=sorted(unassigned, key=lambda u: u.id),
        uncoordinated=uncoordinated,
        departure=departure,
        return_at=return_at,
        load_kg=load,
    )
