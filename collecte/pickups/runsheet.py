"""A van's daily run sheet: its scheduled pickups ordered by the solver (the PDF: runsheet_pdf)."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import version

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.core.errors import Conflict, NotFound
from collecte.core.vocabulary import N_
from collecte.orgs.models import Organization, Site
from collecte.pickups import routing
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.policy import require_run_sheet_reader, visible_pickups
from collecte.pickups.schemas import RunSheetItem, RunSheetOut, RunSheetSite, RunSheetStop


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def stop_windows(pickup: Pickup, on: dt.date) -> tuple[tuple[int, int], ...]:
    """The window set when scheduling, else the donor's windows that fall on that day."""
    if pickup.window_start or pickup.window_end:
        start = _minutes(pickup.window_start) if pickup.window_start else 0
        end = _minutes(pickup.window_end) if pickup.window_end else 24 * 60
        return ((start, end),)
    windows: list[tuple[int, int]] = []
    for window in pickup.windows:
        try:
            # The donor's own wall-clock time, in the offset the donor gave.
            start_at = dt.datetime.fromisoformat(str(window["start"]))
            end_at = dt.datetime.fromisoformat(str(window["end"]))
        except (KeyError, ValueError):
            continue
        if start_at.date() != on or end_at <= start_at:
            continue
        end = 24 * 60 if end_at.date() > on else end_at.hour * 60 + end_at.minute
        windows.append((start_at.hour * 60 + start_at.minute, end))
    return tuple(sorted(windows))


def _access(pickup: Pickup) -> list[str]:
    flags = (
        (pickup.has_elevator, "elevator"),
        (pickup.has_loading_dock, "loading dock"),
        (pickup.stairs, "stairs"),
        (pickup.van_parking, "van parking"),
    )
    return [name for present, name in flags if present]


def _scheduled(
    session: Session, *, viewer: User, on: dt.date, vehicle: str, site_id: int | None
) -> list[Pickup]:
    require_run_sheet_reader(viewer)
    query = visible_pickups(viewer).where(
        Pickup.status == PickupStatus.SCHEDULED,
        Pickup.scheduled_on == on,
        func.lower(Pickup.vehicle) == func.lower(vehicle),
    )
    if site_id is not None:
        query = query.where(Pickup.site_id == site_id)
    pickups = list(session.scalars(query.order_by(Pickup.id)))
    if not pickups:
        if vehicle:
            raise NotFound(
                "no_round",
                N_("no pickup is scheduled on %(day)s for vehicle %(vehicle)s"),
                day=on.isoformat(),
                vehicle=vehicle,
            )
        raise NotFound(
            "no_round",
            N_("no pickup without a vehicle is scheduled on %(day)s"),
            day=on.isoformat(),
        )
    return pickups


def run_sheet(
    session: Session,
    *,
    viewer: User,
    on: dt.date,
    vehicle: str,
    capacity_kg: float,
    site_id: int | None = None,
) -> RunSheetOut:
    """The day's scheduled pickups of one vehicle, ordered from its receiving site by the solver."""
    vehicle = vehicle.strip()
    pickups = _scheduled(session, viewer=viewer, on=on, vehicle=vehicle, site_id=site_id)
    site_ids = sorted({p.site_id for p in pickups if p.site_id is not None})
    if len(site_ids) != 1:
        raise Conflict(
            "round_over_several_sites",
            N_(
                "the pickups of vehicle '%(vehicle)s' on %(day)s go to several sites: give site_id "
                "to plan the round of one of them"
            ),
            extra={"sites": site_ids},
            vehicle=vehicle,
            day=on.isoformat(),
        )
    site = session.get_one(Site, site_ids[0])  # a scheduled pickup names its receiving site
    donors: dict[int, str] = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({p.donor_id for p in pickups})
            )
        ).all()
    )
    stops: dict[int, routing.Stop] = {}
    items: dict[int, dict[str, int]] = {}
    for pickup in pickups:
        counts = pickup.declared_counts
        items[pickup.id] = counts
        stops[pickup.id] = routing.Stop(
            id=pickup.id,
            location=routing.Point(pickup.latitude, pickup.longitude)
            if pickup.latitude is not None and pickup.longitude is not None
            else None,
            windows=stop_windows(pickup, on),
            load_kg=routing.expected_load_kg(pickup.estimated_weight_kg, counts),
            service_minutes=routing.service_minutes(sum(counts.values())),
        )
    depot = (
        routing.Point(site.latitude, site.longitude)
        if site.latitude is not None and site.longitude is not None
        else None
    )
    plan = routing.plan_route(list(stops.values()), depot=depot, capacity_kg=capacity_kg)
    by_id = {p.id: p for p in pickups}

    def describe(
        pickup_id: int,
        *,
        position: int | None = None,
        visit: routing.RoutedStop | None = None,
        left_out: routing.Unassigned | None = None,
    ) -> RunSheetStop:
        pickup, stop = by_id[pickup_id], stops[pickup_id]
        return RunSheetStop(
            position=position,
            pickup_id=pickup.id,
            donor_name=donors.get(pickup.donor_id, ""),
            address=pickup.address,
            building=pickup.building,
            floor=pickup.floor,
            room=pickup.room,
            postcode=pickup.postcode,
            city=pickup.city,
            latitude=pickup.latitude,
            longitude=pickup.longitude,
            position_approximate=pickup.position_approximate,
            access=_access(pickup),
            access_notes=pickup.access_notes,
            contact_name=pickup.contact_name,
            contact_phone=pickup.contact_phone,
            contact_email=pickup.contact_email,
            call_ahead=pickup.call_ahead,
            windows=[f"{routing.clock(s)}-{routing.clock(e)}" for s, e in stop.windows],
            arrival=routing.clock(visit.arrival) if visit else None,
            departure=routing.clock(visit.departure) if visit else None,
            items=[
                RunSheetItem(category=c, quantity=n) for c, n in sorted(items[pickup_id].items())
            ],
            item_count=sum(items[pickup_id].values()),
            expected_weight_kg=round(stop.load_kg, 1),
            weight_estimated=pickup.estimated_weight_kg is None,
            service_minutes=stop.service_minutes,
            reason=left_out.reason if left_out else None,
            reason_code=left_out.code if left_out else None,
            reason_values=left_out.values if left_out else {},
        )

    routed = [describe(v.id, position=n, visit=v) for n, v in enumerate(plan.route, start=1)]
    unassigned = [describe(u.id, left_out=u) for u in plan.unassigned]
    uncoordinated = [describe(i) for i in plan.uncoordinated]
    total = plan.load_kg + sum(stops[i].load_kg for i in plan.uncoordinated)
    return RunSheetOut(
        date=on,
        vehicle=vehicle,
        site=RunSheetSite.model_validate(site),
        depot_located=depot is not None,
        capacity_kg=capacity_kg,
        average_speed_kmh=routing.AVERAGE_SPEED_KMH,
        working_day=f"{routing.clock(routing.DAY_START)}-{routing.clock(routing.DAY_END)}",
        departure=routing.clock(plan.departure) if plan.departure is not None else None,
        return_at=routing.clock(plan.return_at) if plan.return_at is not None else None,
        stops=routed,
        unassigned=unassigned,
        uncoordinated=uncoordinated,
        planned_weight_kg=round(plan.load_kg, 1),
        total_weight_kg=round(total, 1),
        total_items=sum(s.item_count for s in (*routed, *uncoordinated)),
        over_capacity=total > capacity_kg,
        solver=f"VROOM (pyvroom {version('pyvroom')})",
    )
