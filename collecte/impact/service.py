"""Impact as a reader gets it: the scope its role allows, the factors configured, the names it
may see, and the same figures as JSON or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.policy import Principal
from collecte.config import Settings
from collecte.core import i18n
from collecte.core.types import utcnow
from collecte.impact import counters, policy
from collecte.impact.counters import COUNTERS, Impact, Scope
from collecte.impact.factors import CAVEAT, FactorSet, factor_set
from collecte.impact.schemas import BreakdownRow, Counters, ImpactOut, ScopeOut
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.orgs.policy import visible_organizations, visible_sites

_NAMED: dict[str, type[Organization] | type[Site]] = {
    "donor": Organization,
    "partner": Organization,
    "site": Site,
}


def factors(settings: Settings) -> FactorSet:
    """The factor file configured (the newest by default), with the displacement configured."""
    return factor_set(settings.impact_factors_version, settings.impact_displacement)


def impact_for(session: Session, viewer: Principal, settings: Settings, asked: Scope) -> Impact:
    """The impact a reader may see, for the filters it asked (404 for one it may not use)."""
    scope = policy.scope_for(session, viewer, asked)
    return counters.read(session, scope, factors(settings), policy.breakdowns_for(viewer))


def names(session: Session, viewer: Principal, impact: Impact) -> dict[str, dict[int, str]]:
    """The names of the organisations and sites in the breakdowns that the reader may see."""
    found: dict[str, dict[int, str]] = {}
    for breakdown, model in _NAMED.items():
        ids = [key for key, _ in impact.breakdowns.get(breakdown, []) if isinstance(key, int)]
        if not ids:
            continue
        if model is Organization:
            orgs = visible_organizations(viewer).where(Organization.id.in_(ids))
            rows = session.execute(orgs.with_only_columns(Organization.id, Organization.name))
        else:
            sites = visible_sites(viewer).where(Site.id.in_(ids))
            rows = session.execute(sites.with_only_columns(Site.id, Site.name))
        found[breakdown] = {row[0]: row[1] for row in rows}
    return found


def impact_out(session: Session, viewer: Principal, impact: Impact) -> ImpactOut:
    """The answer: the figures, with the names the reader may see."""
    return _out(impact, names(session, viewer, impact))


def _out(impact: Impact, named: dict[str, dict[int, str]]) -> ImpactOut:
    return ImpactOut(
        counters=Counters.model_validate(impact.counters),
        factors_version=impact.factors.version,
        displacement=impact.factors.displacement,
        caveat=CAVEAT,
        scope=ScopeOut.model_validate(impact.scope, from_attributes=True),
        breakdowns={
            breakdown: [
                BreakdownRow(
                    key=key,
                    name=named.get(breakdown, {}).get(key) if isinstance(key, int) else None,
                    counters=Counters.model_validate(values),
                )
                for key, values in rows
            ]
            for breakdown, rows in impact.breakdowns.items()
        },
        computed_at=utcnow(),
    )


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """A cell a spreadsheet shows as text: a formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(answer: ImpactOut) -> str:
    """The figures as CSV: the totals, then one row per breakdown entry; then the factors used."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["breakdown", "key", "name", *COUNTERS])
    writer.writerows(_rows(answer))
    writer.writerow([])
    writer.writerow(["factors_version", answer.factors_version])
    writer.writerow(["displacement", answer.displacement])
    writer.writerow(["note", i18n.gettext(answer.caveat)])
    return buffer.getvalue()


def _rows(answer: ImpactOut) -> Iterable[list[object]]:
    def cells(values: Counters) -> list[object]:
        data = values.model_dump()
        return ["" if data[name] is None else data[name] for name in COUNTERS]

    yield ["total", "", "", *cells(answer.counters)]
    for breakdown, rows in answer.breakdowns.items():
        for row in rows:
            yield [neutralised(cell) for cell in (breakdown, row.key, row.name or "")] + cells(
                row.counters
            )


def public_impact(session: Session, settings: Settings) -> ImpactOut:
    """The whole network's counters, for the public page: no breakdown, so no name."""
    return _out(counters.read(session, Scope(), factors(settings), breakdowns=()), {})


def public_participants(session: Session) -> dict[OrgKind, list[str]]:
    """The donors and partners that opted in to being named on the public page, by name."""
    rows = session.execute(
        select(Organization.kind, Organization.name)
        .where(
            Organization.impact_public.is_(True),
            Organization.kind.in_([OrgKind.DONOR, OrgKind.PARTNER]),
        )
        .order_by(Organization.name, Organization.id)
    )
    found: dict[OrgKind, list[str]] = {OrgKind.DONOR: [], OrgKind.PARTNER: []}
    for kind, name in rows:
        found[kind].append(name)
    return found
