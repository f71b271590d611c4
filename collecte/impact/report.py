"""The impact report (PDF): a period and a scope's counters, charts, method and sources, and the
head of the event log's hash chain; for one donor's scope, the CSR report, which adds what became
of the donor's devices (``collecte.pickups.reports.traceability``, the API's own figures).

Like every document it is issued once (``issue_document``): the same figures give back the
stored bytes, new figures or another factor version issue a new version and the old one stays
verifiable, saying what it said.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.auth.policy import WORKSHOP_ROLES, Principal
from collecte.config import Settings
from collecte.core import chain, i18n
from collecte.core.i18n import gettext as _
from collecte.core.pdf import (
    CELL,
    HEADING,
    SMALL,
    in_language,
    kilograms,
    local_day,
    number,
    paragraph,
    table,
)
from collecte.core.vocabulary import N_, label
from collecte.documents.issuer import Issuer, programme_issuer, workshop_issuer
from collecte.documents.service import Issued, issue_document
from collecte.impact import report_charts as charts
from collecte.impact import service
from collecte.impact.counters import COUNTERS, Impact, Number, Scope
from collecte.impact.factors import CAVEAT, FactorSet
from collecte.orgs.models import Organization, Site
from collecte.pickups.reports import OUTCOME_ORDER, traceability

IMPACT_REPORT = "impact_report"
CSR_REPORT = "csr_report"
# The breakdowns the report draws; the others (per organisation, per site) are the API's.
DRAWN = ("month", "category", "territory")
FIGURE = ParagraphStyle("CollecteFigure", parent=CELL, alignment=TA_RIGHT)

COUNTER_LABELS = {
    "collected": N_("Devices collected"),
    "collected_kg": N_("Weight collected"),
    "refurbished": N_("Devices refurbished"),
    "redistributed": N_("Devices redistributed"),
    "handed_over": N_("Devices handed over to people"),
    "people_equipped": N_("People equipped"),
    "recycled": N_("Devices recycled"),
    "recycled_kg": N_("Weight recycled"),
    "parts": N_("Devices used for parts"),
    "reuse_rate": N_("Reuse rate (redistributed / collected)"),
    "waste_avoided_kg": N_("Waste avoided (weight redistributed)"),
    "co2e_avoided_kg": N_("Avoided emissions"),
    "integration_hours": N_("Hours worked by people on integration contracts"),
}
OUTCOME_LABELS = {
    "redistributed": N_("Redistributed"),
    "ready": N_("Refurbished, ready to be redistributed"),
    "in_workshop": N_("In the workshop"),
    "recycled": N_("Recycled"),
    "parts": N_("Parts"),
    "lost": N_("Lost"),
}
METHOD = N_(
    "Every figure is counted from the event log of the devices (intake, status changes, "
    "deliveries, returns, hand-overs), never typed in; a period counts what happened in it. "
    "Avoided emissions = devices redistributed × pre-use footprint of their category "
    "(manufacture and distribution) × a displacement factor of %(displacement)s, the share of "
    "reused devices that stand in for a new purchase. A weight not recorded is the category's "
    "typical weight."
)
CHAIN = N_(
    "At issue, the event log held %(seq)s events; the hash of the latest is %(hash)s. Each event "
    "is chained to the one before by its hash: whoever keeps this number and hash can later "
    "check that the history up to it has not been altered, deleted from or added to."
)


def _percent(value: float) -> str:
    """A share as a percentage: ``33,3 %`` in French (a space before the sign), ``33.3%``."""
    sign = "\u00a0%" if i18n.current_language.get() == "fr" else "%"
    return number(value * 100) + sign


def figure(name: str, value: Number) -> str:
    """A counter's value with its unit, in the current locale."""
    if value is None:
        return "—"
    if name == "reuse_rate":
        return _percent(value)
    if name == "co2e_avoided_kg":
        return f"{number(value)} kg CO2e"
    if name.endswith("_kg"):
        return kilograms(value)
    if name == "integration_hours":
        return f"{number(value, digits=2)} h"
    return number(value, digits=0)


def _period(scope: Scope) -> str:
    start, end = scope.date_from, scope.date_to
    if start and end:
        return _("from %(start)s to %(end)s") % {"start": local_day(start), "end": local_day(end)}
    if start:
        return _("from %(start)s onwards") % {"start": local_day(start)}
    if end:
        return _("up to %(end)s") % {"end": local_day(end)}
    return _("all time")


def _names(session: Session, scope: Scope) -> dict[str, str]:
    """The names of what the scope is limited to (the reader may see them: the policy checked)."""
    found: dict[str, str] = {}
    for field in ("workshop_id", "donor_id", "partner_id"):
        org_id = getattr(scope, field)
        if org_id is not None:
            found[field] = session.get_one(Organization, org_id).name
    if scope.site_id is not None:
        found["site_id"] = session.get_one(Site, scope.site_id).name
    return found


def _scope_words(scope: Scope, names: Mapping[str, str]) -> str:
    templates = {
        "workshop_id": N_("workshop %(name)s"),
        "donor_id": N_("donor %(name)s"),
        "partner_id": N_("partner %(name)s"),
        "site_id": N_("site %(name)s"),
    }
    parts = [_(templates[field]) % {"name": name} for field, name in names.items()]
    if scope.territory:
        parts.append(_("département %(code)s") % {"code": scope.territory})
    return ", ".join(parts) or _("the whole network")


def subject_of(reader_org_id: int | None, scope: Scope) -> str:
    """The stable key of a report: for whom, what it is limited to, and the period."""
    values = dataclasses.asdict(scope)
    parts = [f"for:{reader_org_id or '-'}"] + [
        f"{key.removesuffix('_id')}:{value}"
        for key, value in sorted(values.items())
        if value is not None and not key.startswith("date_")
    ]
    days = [day.isoformat() if day else "*" for day in (scope.date_from, scope.date_to)]
    return "|".join([*parts, "..".join(days)])


def _issuer(reader: Organization | None, viewer: Principal, programme: str) -> Issuer:
    """A workshop's staff report as their workshop; everyone else as the programme."""
    if reader is not None and viewer.role in WORKSHOP_ROLES:
        return workshop_issuer(reader)
    return programme_issuer(programme)


def impact_report(
    session: Session,
    *,
    viewer: Principal,
    settings: Settings,
    asked: Scope,
    language: str,
    produced_by: User | None,
) -> Issued:
    """The impact report of what the reader may see for the filters asked (404 for a filter it
    may not use); the CSR report when the scope is one donor. Issued once per content."""
    impact = service.impact_for(session, viewer, settings, asked)
    scope = impact.scope
    reader = session.get(Organization, viewer.organization_id) if viewer.organization_id else None
    for_whom = reader.name if reader is not None else settings.programme_name
    names = _names(session, scope)
    trace = (
        traceability(session, viewer=viewer, donor_id=scope.donor_id)
        if scope.donor_id is not None
        else None
    )
    seq, head = chain.head(session)
    facts = {
        "for": for_whom,
        "scope": {k: str(v) if v is not None else None for k, v in vars(scope).items()},
        "counters": impact.counters,
        "breakdowns": {name: impact.breakdowns.get(name, []) for name in DRAWN},
        "factors_version": impact.factors.version,
        "displacement": impact.factors.displacement,
        "traceability": trace,
        # The chain head is printed but is not a fact: it moves with every event anywhere in the
        # network, so versioning on it would issue a new report at almost every download even
        # when none of its figures changed. What the stored copy prints stays true: the log had
        # reached that event when the report was issued, and the chain still passes through it.
    }
    own = trace is not None and reader is not None and reader.id == scope.donor_id
    with in_language(language):
        covers = f"{_scope_words(scope, names)}, {_period(scope)}"
        if trace is not None:
            title = _("CSR impact report — %(donor)s") % {"donor": names["donor_id"]}
        else:
            title = _("Impact report — %(scope)s") % {"scope": _scope_words(scope, names)}

    def body() -> list[Flowable]:
        parts: list[Flowable] = [
            paragraph(_("Prepared for: %(reader)s") % {"reader": for_whom}),
            Spacer(1, 3 * mm),
            *_key_figures(impact),
        ]
        if trace is not None:  # what a donor reads it for comes first
            parts += _traceability(trace, own=own, donor=names["donor_id"])
        parts += _charts(impact)
        parts += _method(impact.factors)
        parts += [
            paragraph(_("Tamper evidence"), HEADING),
            paragraph(_(CHAIN) % {"seq": seq, "hash": head or "—"}, SMALL),
        ]
        return parts

    return issue_document(
        session,
        kind=CSR_REPORT if trace is not None else IMPACT_REPORT,
        subject=subject_of(reader.id if reader else None, scope),
        language=language,
        title=title,
        covers=covers,
        facts=facts,
        render=body,
        issuer=_issuer(reader, viewer, settings.programme_name),
        organization_id=reader.id if reader else None,
        produced_by=produced_by,
        programme=settings.programme_name,
        public_base_url=settings.public_base_url,
    )


def _key_figures(impact: Impact) -> list[Flowable]:
    cells = [
        [_(COUNTER_LABELS[name]), paragraph(figure(name, impact.counters[name]), FIGURE)]
        for name in COUNTERS
    ]
    half = (len(cells) + 1) // 2
    rows: list[list[str | Flowable]] = [[_("Figure"), _("Value"), _("Figure"), _("Value")]]
    for index in range(half):
        right = cells[index + half] if index + half < len(cells) else ["", ""]
        rows.append([*cells[index], *right])
    return [
        paragraph(_("Key figures"), HEADING),
        table(rows, [58 * mm, 32 * mm, 58 * mm, 32 * mm]),
        Spacer(1, 1.5 * mm),
        paragraph(
            _(CAVEAT)
            + " "
            + _("Impact factors version %(version)s.") % {"version": impact.factors.version},
            SMALL,
        ),
        Spacer(1, 3 * mm),
    ]


def _cell(heading: str, chart: Flowable) -> list[Flowable]:
    return [paragraph(heading, HEADING), Spacer(1, 1 * mm), chart]


def _section(heading: str, chart: Flowable) -> Flowable:
    return KeepTogether(_cell(heading, chart))


def _charts(impact: Impact) -> list[Flowable]:
    rows = impact.breakdowns
    side_by_side = Table(
        [
            [
                _cell(_("From collected to handed over"), charts.funnel(impact.counters)),
                _cell(_("By category"), charts.categories(rows.get("category", []))),
            ]
        ],
        colWidths=[charts.WIDTH / 2] * 2,
    )
    side_by_side.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [
        _section(_("Month by month"), charts.monthly_flows(rows.get("month", []))),
        Spacer(1, 3 * mm),
        side_by_side,
        Spacer(1, 3 * mm),
        _section(_("By territory (département)"), charts.territories(rows.get("territory", []))),
        Spacer(1, 3 * mm),
    ]


def _traceability(trace: Mapping[str, Any], *, own: bool, donor: str) -> list[Flowable]:
    outcomes: dict[str, int] = trace["outcomes"]
    total: int = trace["total"]
    values = {
        "total": number(total, digits=0),
        "donor": donor,
        **{name: number(outcomes.get(name, 0), digits=0) for name in OUTCOME_ORDER},
    }
    sentence = (
        N_(
            "Of your %(total)s devices: %(redistributed)s redistributed, "
            "%(recycled)s recycled, %(parts)s parts."
        )
        if own
        else N_(
            "Of the %(total)s devices of %(donor)s: %(redistributed)s redistributed, "
            "%(recycled)s recycled, %(parts)s parts."
        )
    )

    def row(name: str, count: int) -> list[str | Flowable]:
        share = _percent(count / total) if total else "—"
        return [name, paragraph(number(count, digits=0), FIGURE), paragraph(share, FIGURE)]

    rows: list[list[str | Flowable]] = [[_("What became of them"), _("Devices"), _("Share")]]
    rows += [row(_(OUTCOME_LABELS[name]), outcomes.get(name, 0)) for name in OUTCOME_ORDER]
    rows.append(row(_("Total"), total))
    outcomes_table = table(rows, [80 * mm, 25 * mm, 25 * mm])
    outcomes_table.hAlign = "LEFT"
    return [
        KeepTogether(
            [
                paragraph(_("What became of the devices"), HEADING),
                paragraph(_(sentence) % values),
                paragraph(
                    _(
                        "Every device received from this donor, whenever it was given, as it "
                        "stands on the day of issue."
                    ),
                    SMALL,
                ),
                Spacer(1, 1.5 * mm),
                outcomes_table,
            ]
        ),
        Spacer(1, 3 * mm),
    ]


def _method(factors: FactorSet) -> list[Flowable]:
    header = [
        _("Category"),
        _("Pre-use footprint"),
        _("Source"),
        _("Licence"),
        _("Typical weight"),
        _("Weight source"),
    ]
    rows: list[list[str]] = [header]
    for category, factor in factors.by_category.items():
        source = " — ".join(p for p in (factor.footprint_source, factor.footprint_variant) if p)
        if factor.footprint_ref:
            source += f" ({factor.footprint_ref}, {factor.footprint_date})"
        weight_source = " — ".join(p for p in (factor.weight_source, factor.weight_ref) if p)
        rows.append(
            [
                label(category),
                f"{number(factor.preuse_kgco2e, digits=2)} kg CO2e",
                source,
                factor.footprint_licence or "—",
                f"{number(factor.weight_kg, digits=3)} kg",
                weight_source,
            ]
        )
    return [
        paragraph(_("Method and sources"), HEADING),
        paragraph(_(METHOD) % {"displacement": number(factors.displacement, digits=2)}, SMALL),
        paragraph(
            _(CAVEAT)
            + " "
            + _("Impact factors version %(version)s.") % {"version": factors.version},
            SMALL,
        ),
        Spacer(1, 1.5 * mm),
        table(rows, [20 * mm, 22 * mm, 62 * mm, 28 * mm, 16 * mm, 32 * mm]),
        Spacer(1, 3 * mm),
    ]
