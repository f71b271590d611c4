"""Who may read the outbox: the operator everything, a coordinator the messages about pickups it
may read (donor contacts of other workshops' rounds stay hidden), anyone else nothing."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from collecte.auth.models import Role
from collecte.auth.policy import Principal
from collecte.core.errors import Forbidden
from collecte.core.vocabulary import N_
from collecte.notifications.models import OutboxMessage
from collecte.pickups.models import Pickup
from collecte.pickups.policy import visible_pickups

OUTBOX_READERS: frozenset[Role] = frozenset({Role.ADMIN, Role.COORDINATOR})


def outbox_visibility(viewer: Principal) -> ColumnElement[bool]:
    """The outbox messages a viewer may read, as a SQL condition."""
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.COORDINATOR:
        pickups = visible_pickups(viewer).with_only_columns(Pickup.id).scalar_subquery()
        return OutboxMessage.pickup_id.in_(pickups)
    return false()


def require_outbox_reader(viewer: Principal) -> None:
    """The outbox is the operator's and the coordinators' (others get 403, not an empty list)."""
    if viewer.role not in OUTBOX_READERS:
        raise Forbidden(
            "may_not_read_outbox", N_("a %(role)s may not read the outbox"), role=viewer.role
        )
