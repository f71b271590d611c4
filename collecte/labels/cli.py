"""``collecte labels …``: list the stocks, print a batch of labels to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from collecte.config import Settings
from collecte.core.cli_support import acting_user, cli_transaction, console
from collecte.devices.lifecycle import DeviceStatus
from collecte.labels import service

app = typer.Typer(help="Barcode labels.", no_args_is_help=True)


@app.command("templates")
def templates() -> None:
    """List the label stocks (the value to pass as --template)."""
    for stock in service.list_templates():
        console.print(
            f"{stock['id']:<18} {stock['kind']:<4} {stock['width_mm']}×{stock['height_mm']} mm "
            f"({stock['per_page']}/page)  {stock['name']}"
        )


@app.command("print")
def print_labels(
    out: Annotated[Path, typer.Option(help="File to write (PDF, or ZPL for a Zebra stock).")],
    as_email: Annotated[str, typer.Option("--as", help="Email of the account acting.")],
    template: Annotated[
        str, typer.Option(help="Label stock id (see `labels templates`).")
    ] = "avery-l7651",
    code: Annotated[
        list[str] | None, typer.Option("--code", help="A device code; repeat for several.")
    ] = None,
    status: Annotated[
        DeviceStatus | None, typer.Option(help="Or: every visible device in this status.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=service.MAX_LABELS)] = 1000,
    skip: Annotated[
        int, typer.Option(min=0, help="Used labels to leave blank on the first sheet.")
    ] = 0,
    qr: Annotated[bool, typer.Option(help="Add a QR code with each device page's URL.")] = False,
) -> None:
    """Render labels for the given codes, or for the devices in a status, into one file."""
    settings = Settings()
    with cli_transaction(settings) as session:
        actor = acting_user(session, as_email)
        if code:
            devices = service.devices_for_labels(session, viewer=actor, raw_codes=code)
        else:
            devices = service.devices_by_filter(
                session, viewer=actor, status=status.value if status else None, limit=limit
            )
        if not devices:
            console.print("no device to label")
            raise typer.Exit(code=1)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("rendering labels", total=len(devices))
            content, _media_type = service.render_device_labels(
                session,
                devices=devices,
                template=template,
                skip=skip,
                programme=settings.programme_name,
                base_url=settings.public_base_url,
                on_progress=lambda n: progress.update(task, completed=n),
                qr=qr,
            )
    out.write_bytes(content)
    console.print(f"wrote {len(devices)} label(s) to {out}")
