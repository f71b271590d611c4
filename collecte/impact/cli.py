"""``collecte impact …``: issue an impact report to a file; derive the counts again from the log."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from collecte.auth.models import Role
from collecte.auth.policy import Claimed, Principal
from collecte.config import Settings
from collecte.core.cli_support import acting_user, cli_transaction, console
from collecte.documents.codes import grouped
from collecte.impact import keeping
from collecte.impact.report import impact_report
from collecte.impact.schemas import scope_asked

app = typer.Typer(help="Impact: reports and the counts behind them.", no_args_is_help=True)

# The operator's view when no account is named: the whole network, as an administrator reads it
# (no account is recorded as having produced the report).
OPERATOR = Claimed(id=0, role=Role.ADMIN, organization_id=None)


class Language(StrEnum):
    fr = "fr"
    en = "en"


@app.command("report")
def report(
    out: Annotated[Path, typer.Option(help="The PDF file to write.")],
    date_from: Annotated[
        dt.datetime,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First day counted (YYYY-MM-DD)."),
    ],
    date_to: Annotated[
        dt.datetime,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last day counted (YYYY-MM-DD)."),
    ],
    donor: Annotated[
        int | None, typer.Option(min=1, help="A donor's id: its CSR report, with traceability.")
    ] = None,
    lang: Annotated[Language, typer.Option(help="The report's language.")] = Language.fr,
    as_email: Annotated[
        str | None,
        typer.Option("--as", help="Read as this account (its rights apply); else the operator."),
    ] = None,
) -> None:
    """Issue the impact report of a period (the CSR report of one donor with --donor), as the
    operator sees it, and write it to a file; it is recorded like every document."""
    settings = Settings()
    with cli_transaction(settings) as session:
        viewer: Principal = OPERATOR
        produced_by = None
        if as_email is not None:
            produced_by = acting_user(session, as_email)
            viewer = produced_by
        asked = scope_asked(date_from.date(), date_to.date(), donor_id=donor)
        issued = impact_report(
            session,
            viewer=viewer,
            settings=settings,
            asked=asked,
            language=lang.value,
            produced_by=produced_by,
        )
    out.write_bytes(issued.content)
    document = issued.document
    console.print(f"wrote {out}: {document.kind} version {document.version}")
    console.print(f"verification code {grouped(document.verification_code)}")
    console.print(f"sha256 {document.sha256}")


@app.command("rebuild")
def rebuild() -> None:
    """Derive every impact fact and daily count again from the event log, in one transaction."""
    with cli_transaction(Settings()) as session:
        facts = keeping.rebuild(session)
    console.print(f"impact counts rebuilt from the event log: {facts} facts")
