"""Who someone is, for authorisation: the principal every policy reads, and the role groups,
defined once (each domain's ``policy.py`` combines them with its own data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from collecte.auth.models import Role


class Principal(Protocol):
    """What policies read of the person asking: a ``User``, or the claims of a bearer token."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> Role: ...

    @property
    def organization_id(self) -> int | None: ...


@dataclass(frozen=True)
class Claimed:
    """A principal as a bearer token states it, before the account is read (the scan look-up
    builds its one statement from it, then holds the account to it)."""

    id: int
    role: Role
    organization_id: int | None


# Staff of a workshop organisation.
WORKSHOP_ROLES: frozenset[Role] = frozenset({Role.COORDINATOR, Role.TECHNICIAN})
# Those who read the whole network.
NETWORK_WIDE_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.AUDITOR})
# Those who do workshop work (intake, scanning, labels, collections): the operator and the staff.
WORKSHOP_WORKERS: frozenset[Role] = frozenset({Role.ADMIN, *WORKSHOP_ROLES})
# Those who see workshop internals (sites, who did what): workers and evaluators.
STAFF_VIEWERS: frozenset[Role] = frozenset({*WORKSHOP_WORKERS, Role.AUDITOR})
# Those who plan: the operator and coordinators.
PLANNERS: frozenset[Role] = frozenset({Role.ADMIN, Role.COORDINATOR})


def does_workshop_work(viewer: Principal) -> bool:
    """Intake, scanning, label printing and collections are workshop work."""
    return viewer.role in WORKSHOP_WORKERS


def sees_workshop_internals(viewer: Principal) -> bool:
    """Sites and who did what are shown to workers and evaluators, not to donors or partners."""
    return viewer.role in STAFF_VIEWERS


def plans(viewer: Principal) -> bool:
    return viewer.role in PLANNERS
