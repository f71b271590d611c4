"""``collecte requests …``: allocation runs from the command line, as an account."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from collecte.config import Settings
from collecte.core.cli_support import acting_user, cli_transaction, console
from collecte.requests import allocating, service

app = typer.Typer(help="Partners' requests: allocation.", no_args_is_help=True)

AsOption = Annotated[
    str, typer.Option("--as", help="Email of the account acting (its rights apply).")
]


@app.command("allocate")
def allocate(
    as_email: AsOption,
    request_id: Annotated[
        int | None,
        typer.Option("--request", min=1, help="Serve this request only (else every approved one)."),
    ] = None,
) -> None:
    """Give approved requests the best-fitting devices in stock, oldest approval first, in one
    transaction; a refusal (rights, a request not approved) changes nothing and exits 1."""
    with (
        cli_transaction(Settings()) as session,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        actor = acting_user(session, as_email)
        task = progress.add_task("reading the requests", total=allocating.RUN_STEPS + 1)

        def step(description: str) -> None:
            progress.update(task, description=description, advance=1)

        if request_id is None:
            run = allocating.allocate_all(session, viewer=actor, on_progress=step)
        else:
            request = service.get_request(session, viewer=actor, request_id=request_id)
            run = allocating.allocate_request(
                session, viewer=actor, request=request, on_progress=step
            )
        progress.update(task, description="committing", advance=1)
    console.print(
        f"requests {run.requests}  lines {run.lines}  "
        f"allocated {run.allocated}  unfilled {run.unfilled}"
    )
