"""``collecte devices …``: bulk intake from CSV and bulk status changes, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from collecte.config import Settings
from collecte.core.cli_support import acting_user, cli_transaction, console
from collecte.core.errors import CollecteError, Conflict
from collecte.core.vocabulary import N_
from collecte.devices import bulk, service
from collecte.devices.lifecycle import DeviceStatus

app = typer.Typer(help="Devices: bulk intake and bulk status changes.", no_args_is_help=True)

AsOption = Annotated[
    str, typer.Option("--as", help="Email of the account acting (its rights apply).")
]


@app.command("import")
def import_devices(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV of devices.")
    ],
    as_email: AsOption,
) -> None:
    """Receive the devices of a CSV file: all of them, or none if any row is wrong."""
    rows = bulk.parse_csv(file.read_bytes()) if file.stat().st_size < 50 * 1024 * 1024 else []
    with (
        cli_transaction(Settings()) as session,
        Progress(console=console, transient=True) as progress,
    ):
        actor = acting_user(session, as_email)
        task = progress.add_task("receiving devices", total=len(rows))
        devices = bulk.bulk_receive(
            session,
            actor=actor,
            rows=rows,
            on_progress=lambda n: progress.update(task, completed=n),
        )
    console.print(f"received {len(devices)} device(s)")
    for device in devices:
        console.print(f"  {device.code}  {device.brand} {device.model}  {device.serial}")


@app.command("transition")
def transition_devices(
    codes: Annotated[list[str], typer.Argument(help="Device codes (scanner text is fine).")],
    to: Annotated[DeviceStatus, typer.Option(help="Target status.")],
    as_email: AsOption,
    note: Annotated[str, typer.Option(help="Note recorded on each event.")] = "",
) -> None:
    """Move several devices to one status; if any may not move, none does."""
    with (
        cli_transaction(Settings()) as session,
        Progress(console=console, transient=True) as progress,
    ):
        actor = acting_user(session, as_email)
        task = progress.add_task(f"moving to {to}", total=len(codes))
        problems = []
        for raw in codes:
            try:
                with session.begin_nested():
                    device = service.get_device_for_work(session, viewer=actor, raw_code=raw)
                    service.transition_device(session, device=device, actor=actor, to=to, note=note)
            except CollecteError as exc:
                problems.append(f"{raw}: {exc.detail}")
            progress.advance(task)
        if problems:
            raise Conflict(
                "bulk_transition_refused",
                N_("%(count)s of %(total)s device(s) cannot move to %(target)s; none was changed:"),
                extra={"problems": problems},
                count=len(problems),
                total=len(codes),
                target=to,
            )
    console.print(f"{len(codes)} device(s) now {to}")
