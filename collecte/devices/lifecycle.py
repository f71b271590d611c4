"""The device lifecycle: statuses and the one transition table every status change goes through."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from collecte.core.state import StateMachine
from collecte.core.vocabulary import N_


class DeviceStatus(enum.StrEnum):
    RECEIVED = "received"
    DIAGNOSED = "diagnosed"
    WIPED = "wiped"
    IN_REPAIR = "in_repair"
    GRADED = "graded"
    AVAILABLE = "available"
    ALLOCATED = "allocated"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    HANDED_OVER = "handed_over"
    RETURNED = "returned"
    PARTS = "parts"
    RECYCLED = "recycled"
    LOST = "lost"


_S = DeviceStatus

# THE transition table. Diagnosis and erasure may happen in either order; a repair loops
# back to re-testing; parts and recycled are final; a lost device found again restarts at intake.
TRANSITIONS: Mapping[DeviceStatus, frozenset[DeviceStatus]] = MappingProxyType(
    {
        _S.RECEIVED: frozenset(
            {_S.DIAGNOSED, _S.WIPED, _S.IN_REPAIR, _S.PARTS, _S.RECYCLED, _S.LOST}
        ),
        _S.DIAGNOSED: frozenset(
            {_S.WIPED, _S.IN_REPAIR, _S.GRADED, _S.PARTS, _S.RECYCLED, _S.LOST}
        ),
        _S.WIPED: frozenset(
            {_S.DIAGNOSED, _S.IN_REPAIR, _S.GRADED, _S.PARTS, _S.RECYCLED, _S.LOST}
        ),
        _S.IN_REPAIR: frozenset({_S.DIAGNOSED, _S.WIPED, _S.PARTS, _S.RECYCLED, _S.LOST}),
        _S.GRADED: frozenset({_S.AVAILABLE, _S.IN_REPAIR, _S.PARTS, _S.RECYCLED, _S.LOST}),
        _S.AVAILABLE: frozenset({_S.ALLOCATED, _S.IN_REPAIR, _S.PARTS, _S.RECYCLED, _S.LOST}),
        _S.ALLOCATED: frozenset({_S.AVAILABLE, _S.SHIPPED, _S.LOST}),
        _S.SHIPPED: frozenset({_S.DELIVERED, _S.RETURNED, _S.LOST}),
        _S.DELIVERED: frozenset({_S.HANDED_OVER, _S.RETURNED}),
        # Back to delivered only when its partner corrects a hand-over to the wrong device.
        _S.HANDED_OVER: frozenset({_S.RETURNED, _S.DELIVERED}),
        _S.RETURNED: frozenset(
            {_S.DIAGNOSED, _S.WIPED, _S.IN_REPAIR, _S.PARTS, _S.RECYCLED, _S.LOST}
        ),
        _S.PARTS: frozenset(),
        _S.RECYCLED: frozenset(),
        _S.LOST: frozenset({_S.RECEIVED}),
    }
)

# Data protection: a device with storage enters these only with a verified erasure on record
# (or a recorded destruction of its storage). The service enforces it; this names the statuses.
ERASURE_REQUIRED: frozenset[DeviceStatus] = frozenset(
    {_S.AVAILABLE, _S.ALLOCATED, _S.SHIPPED, _S.DELIVERED, _S.HANDED_OVER}
)

# Reached, and left, only through allocation, shipments, deliveries, returns and hand-overs
# (collecte.requests, collecte.shipments): the generic transition refuses them, so a binding to a
# request line never outlives the status it explains.
PARTNER_FLOW: frozenset[DeviceStatus] = frozenset(
    {_S.ALLOCATED, _S.SHIPPED, _S.DELIVERED, _S.HANDED_OVER}
)

# The device has left the reuse stream (counted as parts, recycled or lost in impact reports).
EXIT_STATUSES: frozenset[DeviceStatus] = frozenset({_S.PARTS, _S.RECYCLED, _S.LOST})

# The device is physically in a workshop and being worked on.
IN_WORKSHOP: frozenset[DeviceStatus] = frozenset(
    {_S.RECEIVED, _S.DIAGNOSED, _S.WIPED, _S.IN_REPAIR, _S.GRADED, _S.RETURNED}
)

STATUS_DESCRIPTIONS: Mapping[DeviceStatus, str] = MappingProxyType(
    {
        _S.RECEIVED: "Received at a workshop site and labelled; nothing checked yet.",
        _S.DIAGNOSED: "Diagnosis checklist recorded.",
        _S.WIPED: "Storage erased, with an erasure record.",
        _S.IN_REPAIR: "Being repaired; it is tested again afterwards.",
        _S.GRADED: "Functional and cosmetic grade recorded.",
        _S.AVAILABLE: "Refurbished and in stock, ready to be allocated to a partner.",
        _S.ALLOCATED: "Reserved for a partner's request, not yet shipped.",
        _S.SHIPPED: "On its way to the partner.",
        _S.DELIVERED: "Received by the partner.",
        _S.HANDED_OVER: "Handed over by the partner to a beneficiary.",
        _S.RETURNED: "Came back to a workshop after leaving it; to be checked again.",
        _S.PARTS: "Taken apart for spare parts.",
        _S.RECYCLED: "Sent to a recycling channel.",
        _S.LOST: "Cannot be found; can be received again if it turns up.",
    }
)

# A device that comes back from a partner (returned) or is found again (lost -> received) starts
# its workshop history afresh: its diagnosis, erasure and grade from before no longer count.
RESETS: frozenset[DeviceStatus] = frozenset({_S.RETURNED, _S.RECEIVED})

# Exits counted by weight: the weight at exit is part of the move (else the device's weight).
WEIGHED_EXITS: frozenset[DeviceStatus] = frozenset({_S.PARTS, _S.RECYCLED})

DEVICE_MACHINE: StateMachine[DeviceStatus] = StateMachine(
    name="device",
    statuses=DeviceStatus,
    initial=_S.RECEIVED,
    transitions=TRANSITIONS,
    requires=MappingProxyType(dict.fromkeys(WEIGHED_EXITS, ("weight_kg",))),
    resets=RESETS,
    cannot_go=N_("a device cannot go from %(current)s to %(target)s; allowed: %(possible)s"),
    is_final=N_("a device cannot go from %(current)s to %(target)s: %(current)s is a final status"),
)


def allowed_next(status: DeviceStatus) -> list[DeviceStatus]:
    """The statuses reachable from ``status``, in declaration order (stable for API answers)."""
    return DEVICE_MACHINE.allowed_next(status)


def can_transition(current: DeviceStatus, target: DeviceStatus) -> bool:
    """Whether the table allows moving from ``current`` to ``target``."""
    return DEVICE_MACHINE.can(current, target)
