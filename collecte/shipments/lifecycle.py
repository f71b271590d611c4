"""The shipment lifecycle: prepared (devices picked), dispatched, delivered (in full or in part)."""

from __future__ import annotations

import enum
from types import MappingProxyType

from collecte.core.state import StateMachine
from collecte.core.vocabulary import N_


class ShipmentStatus(enum.StrEnum):
    PREPARING = "preparing"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


_S = ShipmentStatus

SHIPMENT_MACHINE: StateMachine[ShipmentStatus] = StateMachine(
    name="shipment",
    statuses=ShipmentStatus,
    initial=_S.PREPARING,
    transitions=MappingProxyType(
        {
            _S.PREPARING: frozenset({_S.DISPATCHED, _S.CANCELLED}),
            _S.DISPATCHED: frozenset({_S.DELIVERED}),
            _S.DELIVERED: frozenset(),
            _S.CANCELLED: frozenset(),
        }
    ),
    cannot_go=N_("a shipment cannot go from %(current)s to %(target)s; allowed: %(possible)s"),
    is_final=N_(
        "a shipment cannot go from %(current)s to %(target)s: %(current)s is a final status"
    ),
)
