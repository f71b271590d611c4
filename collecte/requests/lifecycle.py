"""The request lifecycle: statuses and their transition table, applied by the one state machine."""

from __future__ import annotations

import enum
from types import MappingProxyType

from collecte.core.state import StateMachine
from collecte.core.vocabulary import N_


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class CancelReason(enum.StrEnum):
    """Why a request was cancelled (a code, so that reports can count them)."""

    NO_LONGER_NEEDED = "no_longer_needed"
    DUPLICATE = "duplicate"
    NO_STOCK = "no_stock"
    PARTNER_UNREACHABLE = "partner_unreachable"
    OTHER = "other"


_R = RequestStatus

# Submitted requests are approved or rejected by the workshop; an approved one closes when every
# line is delivered or cut. Any open request may be cancelled (its devices go back to stock).
REQUEST_MACHINE: StateMachine[RequestStatus] = StateMachine(
    name="request",
    statuses=RequestStatus,
    initial=_R.SUBMITTED,
    transitions=MappingProxyType(
        {
            _R.SUBMITTED: frozenset({_R.APPROVED, _R.REJECTED, _R.CANCELLED}),
            _R.APPROVED: frozenset({_R.CLOSED, _R.CANCELLED}),
            _R.REJECTED: frozenset(),
            _R.CLOSED: frozenset(),
            _R.CANCELLED: frozenset(),
        }
    ),
    requires=MappingProxyType({_R.REJECTED: ("reason",), _R.CANCELLED: ("reason",)}),
    cannot_go=N_("a request cannot go from %(current)s to %(target)s; allowed: %(possible)s"),
    is_final=N_(
        "a request cannot go from %(current)s to %(target)s: %(current)s is a final status"
    ),
)

# Requests still being worked on: they can be cancelled, and their lines changed.
OPEN: frozenset[RequestStatus] = frozenset(
    s for s in RequestStatus if REQUEST_MACHINE.can(s, _R.CANCELLED)
)
