"""The pickup lifecycle: statuses and their transition table, applied by the one state machine."""

from __future__ import annotations

import enum
from types import MappingProxyType

from collecte.core.state import StateMachine
from collecte.core.vocabulary import N_


class PickupStatus(enum.StrEnum):
    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    COLLECTED = "collected"
    CANCELLED = "cancelled"


_P = PickupStatus

# A request is scheduled (and may be rescheduled) until it is collected; it can be cancelled until
# then. Collected and cancelled are final.
PICKUP_MACHINE: StateMachine[PickupStatus] = StateMachine(
    name="pickup",
    statuses=PickupStatus,
    initial=_P.REQUESTED,
    transitions=MappingProxyType(
        {
            _P.REQUESTED: frozenset({_P.SCHEDULED, _P.CANCELLED}),
            _P.SCHEDULED: frozenset({_P.SCHEDULED, _P.COLLECTED, _P.CANCELLED}),
            _P.COLLECTED: frozenset(),
            _P.CANCELLED: frozenset(),
        }
    ),
    requires=MappingProxyType(
        {
            _P.SCHEDULED: ("date", "site_id"),
            _P.COLLECTED: ("weight_kg", "released_by", "received_by"),
            _P.CANCELLED: ("reason",),
        }
    ),
    cannot_go=N_("a pickup cannot go from %(current)s to %(target)s; allowed: %(possible)s"),
    is_final=N_("a pickup cannot go from %(current)s to %(target)s: %(current)s is a final status"),
)

# A request can be edited by its donor until the workshop plans it.
EDITABLE: frozenset[PickupStatus] = frozenset({_P.REQUESTED})
