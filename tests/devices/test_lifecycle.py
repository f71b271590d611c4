"""The device lifecycle: the transition table, row by row, and the status sets around it."""

from __future__ import annotations

import itertools

import pytest

from collecte.devices.lifecycle import (
    ERASURE_REQUIRED,
    EXIT_STATUSES,
    IN_WORKSHOP,
    STATUS_DESCRIPTIONS,
    TRANSITIONS,
    DeviceStatus,
    allowed_next,
    can_transition,
)

S = DeviceStatus

# The table as the design states it, written out independently of the module.
EXPECTED: dict[DeviceStatus, set[DeviceStatus]] = {
    S.RECEIVED: {S.DIAGNOSED, S.WIPED, S.IN_REPAIR, S.PARTS, S.RECYCLED, S.LOST},
    S.DIAGNOSED: {S.WIPED, S.IN_REPAIR, S.GRADED, S.PARTS, S.RECYCLED, S.LOST},
    S.WIPED: {S.DIAGNOSED, S.IN_REPAIR, S.GRADED, S.PARTS, S.RECYCLED, S.LOST},
    S.IN_REPAIR: {S.DIAGNOSED, S.WIPED, S.PARTS, S.RECYCLED, S.LOST},
    S.GRADED: {S.AVAILABLE, S.IN_REPAIR, S.PARTS, S.RECYCLED, S.LOST},
    S.AVAILABLE: {S.ALLOCATED, S.IN_REPAIR, S.PARTS, S.RECYCLED, S.LOST},
    S.ALLOCATED: {S.AVAILABLE, S.SHIPPED, S.LOST},
    S.SHIPPED: {S.DELIVERED, S.RETURNED, S.LOST},
    S.DELIVERED: {S.HANDED_OVER, S.RETURNED},
    S.HANDED_OVER: {S.RETURNED, S.DELIVERED},  # delivered: a hand-over corrected the same day
    S.RETURNED: {S.DIAGNOSED, S.WIPED, S.IN_REPAIR, S.PARTS, S.RECYCLED, S.LOST},
    S.PARTS: set(),
    S.RECYCLED: set(),
    S.LOST: {S.RECEIVED},
}


def test_status_values_are_the_api_strings() -> None:
    assert [status.value for status in DeviceStatus] == [
        "received",
        "diagnosed",
        "wiped",
        "in_repair",
        "graded",
        "available",
        "allocated",
        "shipped",
        "delivered",
        "handed_over",
        "returned",
        "parts",
        "recycled",
        "lost",
    ]


def test_every_status_has_a_row() -> None:
    assert set(TRANSITIONS) == set(DeviceStatus)


@pytest.mark.parametrize("status", list(DeviceStatus))
def test_table_row(status: DeviceStatus) -> None:
    assert set(TRANSITIONS[status]) == EXPECTED[status]


@pytest.mark.parametrize(("current", "target"), list(itertools.product(DeviceStatus, DeviceStatus)))
def test_can_transition_follows_the_table(current: DeviceStatus, target: DeviceStatus) -> None:
    assert can_transition(current, target) is (target in EXPECTED[current])


@pytest.mark.parametrize("status", list(DeviceStatus))
def test_allowed_next_lists_the_row_in_declaration_order(status: DeviceStatus) -> None:
    order = list(DeviceStatus)
    assert allowed_next(status) == sorted(EXPECTED[status], key=order.index)


def test_allowed_next_order_example() -> None:
    assert allowed_next(S.RECEIVED) == [
        S.DIAGNOSED,
        S.WIPED,
        S.IN_REPAIR,
        S.PARTS,
        S.RECYCLED,
        S.LOST,
    ]


@pytest.mark.parametrize("status", list(DeviceStatus))
def test_no_status_transitions_to_itself(status: DeviceStatus) -> None:
    assert not can_transition(status, status)


@pytest.mark.parametrize("status", [S.PARTS, S.RECYCLED])
def test_parts_and_recycled_are_final(status: DeviceStatus) -> None:
    assert allowed_next(status) == []


def test_a_lost_device_found_again_restarts_at_intake() -> None:
    assert allowed_next(S.LOST) == [S.RECEIVED]


@pytest.mark.parametrize(("first", "second"), [(S.DIAGNOSED, S.WIPED), (S.WIPED, S.DIAGNOSED)])
def test_diagnosis_and_erasure_happen_in_either_order(
    first: DeviceStatus, second: DeviceStatus
) -> None:
    assert can_transition(S.RECEIVED, first)
    assert can_transition(first, second)
    assert can_transition(second, S.GRADED)


def test_a_repair_loops_back_to_testing_not_to_grading() -> None:
    assert can_transition(S.IN_REPAIR, S.DIAGNOSED)
    assert can_transition(S.IN_REPAIR, S.WIPED)
    assert not can_transition(S.IN_REPAIR, S.GRADED)
    assert not can_transition(S.IN_REPAIR, S.AVAILABLE)


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[S.RECEIVED] = frozenset({S.AVAILABLE})  # type: ignore[index]


def test_erasure_required_statuses() -> None:
    assert {S.AVAILABLE, S.ALLOCATED, S.SHIPPED, S.DELIVERED, S.HANDED_OVER} == ERASURE_REQUIRED


def test_only_grading_leads_into_the_erasure_required_statuses() -> None:
    """The data protection check has one door to guard: graded -> available."""
    doors = {
        (current, target)
        for current in DeviceStatus
        if current not in ERASURE_REQUIRED
        for target in TRANSITIONS[current]
        if target in ERASURE_REQUIRED
    }
    assert doors == {(S.GRADED, S.AVAILABLE)}


def test_a_returned_device_goes_back_through_the_workshop() -> None:
    assert not TRANSITIONS[S.RETURNED] & ERASURE_REQUIRED


def test_exit_statuses() -> None:
    assert {S.PARTS, S.RECYCLED, S.LOST} == EXIT_STATUSES


def test_in_workshop_statuses() -> None:
    assert {S.RECEIVED, S.DIAGNOSED, S.WIPED, S.IN_REPAIR, S.GRADED, S.RETURNED} == IN_WORKSHOP


def test_status_sets_do_not_overlap() -> None:
    assert not ERASURE_REQUIRED & EXIT_STATUSES
    assert not ERASURE_REQUIRED & IN_WORKSHOP
    assert not EXIT_STATUSES & IN_WORKSHOP


@pytest.mark.parametrize("status", list(DeviceStatus))
def test_every_status_is_described(status: DeviceStatus) -> None:
    description = STATUS_DESCRIPTIONS[status]
    assert description
    assert "\n" not in description
