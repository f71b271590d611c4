"""A van's daily run sheet: its scheduled pickups ordered by the solver, as JSON and as a PDF."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import version

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.auth.policy import plans
from collecte.config import Settings
from collecte.core.errors import Conflict, Forbidden, NotFound
from collecte.core.i18n import gettext as _
from collecte.core.i18n import ngettext
from collecte.core.pdf import BODY, CELL, in_language, kilograms, local_day, number, paragraph
from collecte.core.vocabulary import N_, label
from collecte.documents.service import Issued, issue_document
from collecte.orgs.models import Organization, Site
from collecte.pickups import routing
from collecte.pickups.documents import site_issuer
from collecte.pickups.models import Pickup, PickupStatus
from collecte.pickups.policy import visible_pickups
from collecte.pickups.schemas import RunSheetItem, RunSheetOut, RunSheetSite, RunSheetStop

HEADING = BODY.clone(
    "CollecteHeading",
    fontName="Helvetica-Bold",
    fontSize=11,
    leading=14,
    spaceBefore=8,
    spaceAfter=4,
)


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


def require_planner(viewer: User) -> None:
    """Run sheets are planning: the operator and the workshops' coordinators read them."""
    if not plans(viewer):
        raise Forbidden(
            "may_not_plan_rounds", N_("a %(role)s may not read run sheets"), role=viewer.role
        )


def _scheduled(
    session: Session, *, viewer: User, on: dt.date, vehicle: str, site_id: int | None
) -> list[Pickup]:
    require_planner(viewer)
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


def _cell(*lines: str) -> Paragraph:
    """A table cell of several lines (each escaped: user data never becomes markup)."""
    escaped = (
        line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for line in lines
        if line
    )
    return Paragraph("<br/>".join(escaped), CELL)


# The run sheet names access as stored; the PDF says it in the reader's language.
ACCESS = {
    "elevator": N_("elevator"),
    "loading dock": N_("loading dock"),
    "stairs": N_("stairs"),
    "van parking": N_("van parking"),
}


def _stops(n: int) -> str:
    return ngettext("%(n)s stop", "%(n)s stops", n) % {"n": n}


def _vehicle_words(vehicle: str) -> str:
    return _("vehicle %(vehicle)s") % {"vehicle": vehicle} if vehicle else _("no vehicle")


def _reason(stop: RunSheetStop) -> str:
    if stop.reason_code in routing.REASONS:
        return _(routing.REASONS[stop.reason_code]) % stop.reason_values
    return stop.reason or ""


def _weight(stop: RunSheetStop) -> str:
    weight = f"{'~' if stop.weight_estimated else ''}{kilograms(stop.expected_weight_kg)}"
    return weight + (" " + _("(est. from items)") if stop.weight_estimated else "")


def _stops_table(stops: list[RunSheetStop], *, last_column: str) -> Table:
    rows: list[list[Paragraph]] = [
        [
            _cell("#"),
            _cell(_("Arrival"), _("window")),
            _cell(_("Address"), _("access")),
            _cell(_("Contact")),
            _cell(_("Expected volume")),
            _cell(last_column),
        ]
    ]
    for stop in stops:
        floor = _("floor %(floor)s") % {"floor": stop.floor} if stop.floor else ""
        where = ", ".join(x for x in (stop.building, floor, stop.room) if x)
        volume = ", ".join(f"{i.quantity} {label(i.category)}" for i in stop.items)
        access = ", ".join(_(ACCESS.get(a, a)) for a in stop.access) or _("none stated")
        rows.append(
            [
                _cell(str(stop.position) if stop.position else "-"),
                _cell(stop.arrival or "", " / ".join(stop.windows) or _("any time")),
                _cell(
                    _("%(donor)s (pickup %(id)s)")
                    % {"donor": stop.donor_name, "id": stop.pickup_id},
                    f"{stop.address}, {stop.postcode} {stop.city}",
                    where,
                    _("Access: %(access)s") % {"access": access},
                    stop.access_notes,
                ),
                _cell(
                    stop.contact_name,
                    stop.contact_phone,
                    _("CALL AHEAD") if stop.call_ahead else "",
                ),
                _cell(volume, _weight(stop)),
                _cell(
                    _reason(stop)
                    or (_("leave %(time)s") % {"time": stop.departure} if stop.departure else "")
                    or _("%(minutes)s min on site") % {"minutes": stop.service_minutes}
                ),
            ]
        )
    table = Table(
        rows, colWidths=[8 * mm, 20 * mm, 62 * mm, 34 * mm, 30 * mm, 26 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), "#e6efe9"),
                ("GRID", (0, 0), (-1, -1), 0.3, "#9aa5b1"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _sheet_body(sheet: RunSheetOut) -> list[Flowable]:
    vehicle = _vehicle_words(sheet.vehicle)
    site = sheet.site
    capacity = kilograms(sheet.capacity_kg)
    if sheet.depot_located:
        leave = _("Leave the site at %(time)s") % {"time": sheet.departure or "-"}
        leave += (
            ", " + _("back at %(time)s.") % {"time": sheet.return_at} if sheet.return_at else "."
        )
    else:
        leave = _(
            "The site has no coordinates: times run from the first stop, and the drive back is "
            "not counted."
        )
    load = _(
        "Planned load: %(planned)s of %(capacity)s capacity; with the stops without coordinates: "
        "%(total)s, %(items)s items."
    ) % {
        "planned": kilograms(sheet.planned_weight_kg),
        "capacity": capacity,
        "total": kilograms(sheet.total_weight_kg),
        "items": sheet.total_items,
    }
    if sheet.over_capacity:
        load += " " + _("WARNING: this exceeds the vehicle's capacity.")
    body: list[Flowable] = [
        paragraph(
            _("Date: %(day)s · %(vehicle)s · capacity %(capacity)s")
            % {
                "day": local_day(sheet.date),
                "vehicle": vehicle[0].upper() + vehicle[1:],
                "capacity": capacity,
            }
        ),
        paragraph(
            _("Depot: %(site)s, %(address)s%(postcode)s %(city)s")
            % {
                "site": site.name,
                "address": site.address + ", " if site.address else "",
                "postcode": site.postcode,
                "city": site.city,
            }
        ),
        paragraph(leave),
        paragraph(load),
        paragraph(
            _(
                "Stop order by %(solver)s, respecting windows and capacity. Times assume %(speed)s "
                "km/h on average over straight-line distance, %(base)s min plus %(per_item)s min per "
                "item at each stop (at most %(max)s), within %(day)s. Weights marked ~ are estimated "
                "from typical item weights."
            )
            % {
                "solver": sheet.solver,
                "speed": number(sheet.average_speed_kmh, digits=0),
                "base": routing.SERVICE_BASE_MINUTES,
                "per_item": routing.SERVICE_MINUTES_PER_ITEM,
                "max": routing.SERVICE_MAX_MINUTES,
                "day": sheet.working_day,
            },
            CELL,
        ),
        paragraph(_("Route: %(stops)s") % {"stops": _stops(len(sheet.stops))}, HEADING),
    ]
    body.append(
        _stops_table(sheet.stops, last_column=_("Leave"))
        if sheet.stops
        else paragraph(_("No stop could be routed."))
    )
    if sheet.unassigned:
        body += [
            paragraph(
                _("Not on the route: %(stops)s the solver could not fit")
                % {"stops": _stops(len(sheet.unassigned))},
                HEADING,
            ),
            paragraph(_("Reschedule them or send another vehicle.")),
            Spacer(1, 2 * mm),
            _stops_table(sheet.unassigned, last_column=_("Why")),
        ]
    if sheet.uncoordinated:
        body += [
            paragraph(
                _("Without coordinates: %(stops)s") % {"stops": _stops(len(sheet.uncoordinated))},
                HEADING,
            ),
            paragraph(
                _(
                    "These pickups have no latitude/longitude, so the solver could not place them: "
                    "they are listed in window order, to fit in by hand."
                )
            ),
            Spacer(1, 2 * mm),
            _stops_table(sheet.uncoordinated, last_column=_("On site")),
        ]
    return body


def run_sheet_pdf(
    session: Session, *, sheet: RunSheetOut, actor: User, settings: Settings, language: str
) -> Issued:
    """The run sheet as a PDF for the van, issued once per content and language."""
    site = session.get_one(Site, sheet.site.id)
    with in_language(language):
        vehicle = _vehicle_words(sheet.vehicle)
        day = local_day(sheet.date)
        title = _("Run sheet — %(vehicle)s — %(day)s") % {"vehicle": vehicle, "day": day}
        covers = _("pickups scheduled on %(day)s for %(vehicle)s from %(site)s") % {
            "day": day,
            "vehicle": vehicle,
            "site": site.name,
        }
    return issue_document(
        session,
        kind="run_sheet",
        subject=f"run_sheet:{sheet.date.isoformat()}:site:{site.id}:{sheet.vehicle}"[:100],
        language=language,
        title=title,
        covers=covers,
        facts=sheet.model_dump(mode="json"),
        render=lambda: _sheet_body(sheet),
        issuer=site_issuer(session, site_id=site.id, programme=settings.programme_name),
        organization_id=site.organization_id,
        produced_by=actor,
        programme=settings.programme_name,
        public_base_url=settings.public_base_url,
    )
