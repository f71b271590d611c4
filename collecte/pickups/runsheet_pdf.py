"""The run sheet as a PDF for the van: the day, who drives which vehicle, the stops in order with a
box to tick at each, those left out and those without coordinates.

Read by a driver in a cab: the stop table is set at 9.5 pt (the documents' 7 pt cells are for
reference tables), with a tick box per stop and blank lines for the names nobody gave.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.config import Settings
from collecte.core.i18n import gettext as _
from collecte.core.i18n import ngettext
from collecte.core.pdf import BODY, CELL, in_language, kilograms, local_day, number, paragraph
from collecte.core.vocabulary import N_, label
from collecte.documents.service import Issued, issue_document
from collecte.orgs.models import Site
from collecte.pickups import routing
from collecte.pickups.documents import site_issuer
from collecte.pickups.schemas import RunSheetOut, RunSheetStop

HEADING = BODY.clone(
    "CollecteHeading",
    fontName="Helvetica-Bold",
    fontSize=11,
    leading=14,
    spaceBefore=8,
    spaceAfter=4,
)
# The stop table's text: readable at arm's length in a van (at least 9 pt).
STOP_CELL = CELL.clone("CollecteRunSheetCell", fontSize=9.5, leading=11.5)
CREW = BODY.clone("CollecteRunSheetCrew", fontSize=11, leading=16, spaceBefore=4, spaceAfter=4)
BLANK = "_" * 24  # a line to write a name on


class TickBox(Flowable):  # type: ignore[misc]  # reportlab ships no type information
    """An empty square to tick when the stop is done."""

    def __init__(self, size: float = 5 * mm) -> None:
        super().__init__()
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.size, self.size)


def _cell(*lines: str) -> Paragraph:
    """A table cell of several lines (each escaped: user data never becomes markup)."""
    escaped = (
        line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for line in lines
        if line
    )
    return Paragraph("<br/>".join(escaped), STOP_CELL)


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
    rows: list[list[Flowable]] = [
        [
            _cell(_("Done")),
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
                TickBox(),
                _cell(str(stop.position) if stop.position else "-"),
                _cell(stop.arrival or "", " / ".join(stop.windows) or _("any time")),
                _cell(
                    _("%(donor)s (pickup %(id)s)")
                    % {"donor": stop.donor_name, "id": stop.pickup_id},
                    f"{stop.address}, {stop.postcode} {stop.city}",
                    where,
                    _("Access: %(access)s") % {"access": access},
                    stop.access_notes,
                    _("Approximate position (commune centre)") if stop.position_approximate else "",
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
        rows,
        colWidths=[14 * mm, 7 * mm, 24 * mm, 52 * mm, 31 * mm, 28 * mm, 24 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), "#e6efe9"),
                ("GRID", (0, 0), (-1, -1), 0.3, "#9aa5b1"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 1), (0, -1), "CENTER"),
                ("TOPPADDING", (0, 1), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
            ]
        )
    )
    return table


def _sheet_body(sheet: RunSheetOut) -> list[Flowable]:
    vehicle = _vehicle_words(sheet.vehicle)
    site = sheet.site
    capacity = kilograms(sheet.capacity_kg)
    if not sheet.stops:
        leave = _(
            "Nothing is routed: no stop has a place on the route, so there is no time to leave."
        )
    elif sheet.depot_located:
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
    # Who drives which van: named when the sheet was asked with them, else a line to write on.
    crew = Table(
        [
            [
                paragraph(_("Driver: %(driver)s") % {"driver": sheet.driver or BLANK}, CREW),
                paragraph(_("Vehicle: %(vehicle)s") % {"vehicle": sheet.vehicle or BLANK}, CREW),
            ]
        ],
        colWidths=[90 * mm, 90 * mm],
        hAlign="LEFT",
    )
    crew.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    body: list[Flowable] = [
        crew,
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
