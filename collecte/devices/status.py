"""Every status change of a device, and the events of its history.

``change_statuses`` is the one way a device's status changes, for one device or many at once: it
reads the rules' facts of every device in one query, applies ``DEVICE_MACHINE`` to each (the
transition table, the data-protection invariant and holds, the weight of an exit, the reset of a
return or a find), writes the statuses in one statement and the events at once. ``change_status``
is the same for a list of one; the API, pages, scans, bulk actions, CLI and the partner flow's
services all come through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.errors import InvalidTransition, Reason
from collecte.core.events import (
    Event,
    EventDraft,
    EventKind,
    Links,
    Payload,
    Subject,
    TransitionPayload,
    record_events,
)
from collecte.core.types import utcnow
from collecte.devices.lifecycle import DEVICE_MACHINE, WEIGHED_EXITS, DeviceStatus
from collecte.devices.models import Device
from collecte.devices.rules import (
    DeviceFacts,
    device_facts,
    facts_for,
    generic_refusal,
    next_statuses,
    rule_against,
)
from collecte.orgs.models import Site


def device_event(
    session: Session,
    *,
    device: Device,
    territory: str | None = None,
    actor: User | None,
    kind: EventKind,
    payload: Payload | dict[str, Any] | None = None,
    from_status: DeviceStatus | None = None,
    to_status: DeviceStatus | None = None,
    note: str = "",
    weight_kg: float | None = None,
    links: Links | None = None,
) -> EventDraft:
    """An event of a device's history, with the device's dimensions as they are now (and, in the
    partner flow, the request, shipment, partner and beneficiary it belongs to); ``territory``,
    its site's, when the caller has read it already."""
    if territory is None:
        territory = session.get_one(Site, device.site_id).territory  # usually in the identity map
    return EventDraft(
        kind=kind,
        subject=Subject.DEVICE,
        actor_id=actor.id if actor else None,
        payload=payload,
        from_status=from_status,
        to_status=to_status,
        note=note,
        device_id=device.id,
        pickup_id=device.pickup_id,
        workshop_id=device.organization_id,
        site_id=device.site_id,
        territory=territory,
        donor_id=device.donor_id,
        category=device.category,
        weight_kg=weight_kg if weight_kg is not None else device.weight_kg,
        **(links or {}),
    )


def record_device_event(
    session: Session,
    *,
    device: Device,
    actor: User | None,
    kind: EventKind,
    payload: Payload | dict[str, Any] | None = None,
    from_status: DeviceStatus | None = None,
    to_status: DeviceStatus | None = None,
    note: str = "",
    weight_kg: float | None = None,
    links: Links | None = None,
) -> Event:
    """Append one event to a device's history (``device_event``, written)."""
    draft = device_event(
        session,
        device=device,
        actor=actor,
        kind=kind,
        payload=payload,
        from_status=from_status,
        to_status=to_status,
        note=note,
        weight_kg=weight_kg,
        links=links,
    )
    return record_events(session, [draft])[0]


def has_verified_erasure(session: Session, device: Device) -> bool:
    """Whether the storage was verified erased (or destroyed) since the device last came back."""
    return device_facts(session, device).erasure_cleared


def _reset_history(device: Device) -> None:
    """What a return or a find starts afresh: the records and the grade from before no longer
    count (the rules compare records with ``history_since``)."""
    device.grade = None
    device.history_since = utcnow()


@dataclass(frozen=True)
class StatusChange:
    """One device's move, as ``change_statuses`` applies it.

    ``partner_flow`` names the request, shipment, partner or beneficiary the move belongs to: the
    statuses of the partner flow are reached and left only by its services, which pass it; a
    change without it is a change by hand (``rules.generic_refusal`` applies).
    """

    device: Device
    to: DeviceStatus
    note: str = ""
    payload: Payload | None = None
    kind: EventKind = EventKind.TRANSITION
    weight_kg: float | None = None
    partner_flow: Links | None = None

    @property
    def weight(self) -> float | None:
        """The weight an exit records: the one given, else the device's."""
        return self.weight_kg if self.weight_kg is not None else self.device.weight_kg


def _guard(facts: DeviceFacts, target: DeviceStatus, *, by_hand: bool) -> Reason | None:
    refused = generic_refusal(target, facts) if by_hand else None
    return refused or rule_against(target, facts)


def status_refusal(
    facts: DeviceFacts, to: DeviceStatus, *, by_hand: bool = True
) -> InvalidTransition | None:
    """The 409 that moving a device with these facts to ``to`` would raise, or None: for a
    service that leaves out, before writing anything, the devices the machine would refuse."""
    return DEVICE_MACHINE.refusal(
        facts.status,
        to,
        guard=lambda target: _guard(facts, target, by_hand=by_hand),
        possible=lambda: next_statuses(facts),
    )


def change_statuses(
    session: Session,
    *,
    actor: User | None,
    changes: Sequence[StatusChange],
    facts: Mapping[int, DeviceFacts] | None = None,
    numbered_now: bool = False,
) -> list[Event]:
    """The one way device statuses change: table, rules, required payload, reset, event, for each
    device (each at most once); if any move is refused, none is made.

    ``facts``: those a caller read of these devices in this transaction, after their last
    change (an allocation run reads them to leave out what the rules refuse); else read here.
    ``numbered_now``: the events are the transaction's last writes (``record_events``).
    """
    if not changes:
        return []
    known = facts if facts is not None else facts_for(session, [c.device.id for c in changes])
    by_device = {id(change.device): change for change in changes}

    def guard(device: Device, target: DeviceStatus) -> Reason | None:
        by_hand = by_device[id(device)].partner_flow is None
        return _guard(known[device.id], target, by_hand=by_hand)

    def record(moves: Sequence[tuple[Device, DeviceStatus, DeviceStatus]]) -> list[Event]:
        # The territories of their sites, read at once.
        sites = select(Site.id, Site.territory).where(Site.id.in_({d.site_id for d, *_ in moves}))
        territories: dict[int, str] = dict(session.execute(sites).all())
        drafts = []
        for device, current, target in moves:
            change = by_device[id(device)]
            payload = change.payload or TransitionPayload(
                weight_kg=change.weight if target in WEIGHED_EXITS else None
            )
            drafts.append(
                device_event(
                    session,
                    device=device,
                    territory=territories[device.site_id],
                    actor=actor,
                    kind=change.kind,
                    payload=payload,
                    from_status=current,
                    to_status=target,
                    note=change.note,
                    weight_kg=change.weight,
                    links=change.partner_flow,
                )
            )
        return record_events(session, drafts, numbered_now=numbered_now)

    return DEVICE_MACHINE.move_all(
        session,
        [(change.device, change.to) for change in changes],
        guard=guard,
        possible=lambda device: next_statuses(known[device.id]),
        provided=lambda device: {"weight_kg": by_device[id(device)].weight},
        reset=_reset_history,
        record=record,
    )


def change_status(
    session: Session,
    *,
    device: Device,
    actor: User | None,
    to: DeviceStatus,
    note: str = "",
    payload: Payload | None = None,
    kind: EventKind = EventKind.TRANSITION,
    weight_kg: float | None = None,
    partner_flow: Links | None = None,
) -> Event:
    """One device's status change: ``change_statuses`` for a list of one."""
    change = StatusChange(device, to, note, payload, kind, weight_kg, partner_flow)
    (event,) = change_statuses(session, actor=actor, changes=[change])
    return event
