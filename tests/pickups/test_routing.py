"""The stop-ordering solver on its own: windows, capacity, missing coordinates, travel times."""

from __future__ import annotations

import math

import pytest

from collecte.pickups.routing import (
    AVERAGE_SPEED_KMH,
    Point,
    RoutePlan,
    Stop,
    expected_load_kg,
    haversine_km,
    plan_route,
    service_minutes,
    travel_seconds,
)

DEPOT = Point(48.8566, 2.3522)  # Paris, Hôtel de Ville


def east(km: float) -> Point:
    """A point km kilometres due east of the depot."""
    return Point(DEPOT.latitude, DEPOT.longitude + km / (111.32 * math.cos(math.radians(48.8566))))


def hours(start: int, end: int) -> tuple[tuple[int, int], ...]:
    return ((start * 60, end * 60),)


def order(plan: RoutePlan) -> list[int]:
    return [stop.id for stop in plan.route]


def test_haversine_and_travel_time() -> None:
    lyon = Point(45.7640, 4.8357)
    assert haversine_km(DEPOT, lyon) == pytest.approx(392, abs=2)
    assert haversine_km(DEPOT, east(2)) == pytest.approx(2, abs=0.01)
    assert travel_seconds(DEPOT, east(2)) == pytest.approx(2 / AVERAGE_SPEED_KMH * 3600, abs=2)


def test_load_and_service_time_estimates() -> None:
    assert expected_load_kg(12.5, {"laptop": 100}) == 12.5
    assert expected_load_kg(None, {"laptop": 3, "desktop": 1}) == pytest.approx(14.0)
    assert expected_load_kg(None, {"unheard-of": 2}) == pytest.approx(6.0)
    assert service_minutes(0) == 15
    assert service_minutes(5) == 20
    assert service_minutes(500) == 60


def test_order_follows_time_windows_not_just_distance() -> None:
    # Along one street: 1, 2, 3 km out. Distance alone gives 1-2-3 (or 3-2-1); the windows
    # demand 3 first (08-09), then 1 (10-11), then 2 (14-15).
    stops = [
        Stop(1, east(1), hours(10, 11), 10),
        Stop(2, east(2), hours(14, 15), 10),
        Stop(3, east(3), hours(8, 9), 10),
    ]
    plan = plan_route(stops, depot=DEPOT, capacity_kg=600)
    assert order(plan) == [3, 1, 2]
    assert plan.unassigned == []
    windows = {s.id: s.windows[0] for s in stops}
    for visit in plan.route:
        start, end = windows[visit.id]
        assert start <= visit.arrival <= end
    # The team is at the first door when its window opens, having left just in time.
    assert plan.route[0].arrival == 8 * 60
    assert plan.departure == pytest.approx(8 * 60 - 9, abs=1)  # 3 km at 20 km/h
    assert plan.return_at is not None
    assert plan.return_at > plan.route[-1].departure


def test_without_windows_the_shortest_tour_is_taken() -> None:
    stops = [Stop(1, east(3), (), 10), Stop(2, east(1), (), 10), Stop(3, east(2), (), 10)]
    plan = plan_route(stops, depot=DEPOT, capacity_kg=600)
    assert order(plan) in ([2, 3, 1], [1, 3, 2])
    # Travel plus service: each arrival is after the previous departure plus the drive.
    for before, after in zip(plan.route, plan.route[1:], strict=False):
        assert after.arrival >= before.departure + 2


def test_capacity_leaves_stops_out_and_says_why() -> None:
    stops = [
        Stop(1, east(1), (), 40),
        Stop(2, east(2), (), 40),
        Stop(3, east(3), (), 40),
        Stop(4, east(1.5), (), 150),
    ]
    plan = plan_route(stops, depot=DEPOT, capacity_kg=100)
    assert len(plan.route) == 2
    assert plan.load_kg == 80
    assert all(visit.load_after_kg <= 100 for visit in plan.route)
    reasons = {u.id: u.reason for u in plan.unassigned}
    assert set(reasons) | set(order(plan)) == {1, 2, 3, 4}
    assert "exceeds the vehicle's 100 kg capacity" in reasons[4]
    (left_out,) = set(reasons) - {4}
    assert "vehicle is full" in reasons[left_out]


def test_windows_out_of_reach_are_reported() -> None:
    # Three 15-minute stops cannot all start within the same 20 minutes.
    twenty_minutes = ((9 * 60, 9 * 60 + 20),)
    stops = [
        Stop(1, east(1), twenty_minutes, 10),
        Stop(2, east(1), hours(21, 22), 10),  # after the working day
        Stop(3, east(1.1), twenty_minutes, 10),
        Stop(4, east(1.2), twenty_minutes, 10),
    ]
    plan = plan_route(stops, depot=DEPOT, capacity_kg=600)
    reasons = {u.id: u.reason for u in plan.unassigned}
    assert "outside the working day" in reasons[2]
    assert len(plan.route) + len(plan.unassigned) == 4
    assert len(plan.route) == 2
    clashing = set(reasons) - {2}
    assert len(clashing) == 1
    assert "clashes" in reasons[clashing.pop()]


def test_stops_without_coordinates_come_apart_in_window_order() -> None:
    stops = [
        Stop(1, None, hours(14, 15), 10),
        Stop(2, east(1), hours(9, 10), 10),
        Stop(3, None, hours(8, 9), 10),
        Stop(4, None, (), 10),
    ]
    plan = plan_route(stops, depot=DEPOT, capacity_kg=600)
    assert order(plan) == [2]
    assert plan.uncoordinated == [3, 1, 4]
    assert plan.load_kg == 10


def test_a_depot_without_coordinates_gives_an_open_route() -> None:
    stops = [Stop(1, east(1), hours(10, 11), 10), Stop(2, east(5), hours(9, 10), 10)]
    plan = plan_route(stops, depot=None, capacity_kg=600)
    assert order(plan) == [2, 1]
    assert plan.departure == 9 * 60
    assert plan.return_at is None


def test_nothing_to_route() -> None:
    plan = plan_route([Stop(1, None)], depot=DEPOT, capacity_kg=600)
    assert plan.route == []
    assert plan.uncoordinated == [1]
    assert plan.departure is None


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        plan_route([Stop(1, east(1)), Stop(1, east(2))], depot=DEPOT, capacity_kg=600)
    with pytest.raises(ValueError, match="positive"):
        plan_route([Stop(1, east(1))], depot=DEPOT, capacity_kg=0)
