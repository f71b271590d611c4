"""``collecte audit …``: the event log's hash chain verified from the command line."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from collecte.config import Settings
from collecte.core import chain
from collecte.core.cli_support import console
from collecte.core.db import make_engine, make_sessionmaker

app = typer.Typer(help="The event log's tamper evidence.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Recompute every event's link in log order; print the head to keep a copy of; exit 1 when
    the chain is broken. (Run on the server: it reads the whole log, no account is asked.)"""
    # A reading transaction: on SQLite a writing one would hold the write lock the whole walk.
    engine = make_engine(Settings().effective_database_url)
    with (
        make_sessionmaker(engine)() as session,
        Progress(
            TextColumn("checking events"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        last, _ = chain.head(session)
        task = progress.add_task("events", total=last)
        result = chain.verify(
            session, on_progress=lambda checked: progress.update(task, completed=checked)
        )
    engine.dispose()
    console.print(f"ok {str(result.ok).lower()}  checked {result.checked}")
    console.print(f"head {result.head_seq} {result.head_hash}", soft_wrap=True)
    broken = result.first_broken
    if broken is not None:
        where = "no number" if broken.seq is None else f"event {broken.seq}"
        row = f" (row id {broken.event_id})" if broken.event_id is not None else ""
        console.print(f"first broken: {where}{row}: {broken.reason}", soft_wrap=True)
        raise typer.Exit(code=1)
