"""``collecte outbox …``: send queued emails, or list them."""

from __future__ import annotations

from typing import Annotated

import typer

from collecte.config import Settings
from collecte.core.cli_support import cli_transaction, console
from collecte.notifications.service import outbox_messages, send_pending

app = typer.Typer(help="Email outbox.", no_args_is_help=True)


@app.command("send")
def send(
    limit: Annotated[int, typer.Option(min=1, help="At most this many messages.")] = 200,
) -> None:
    """Send unsent messages over SMTP (COLLECTE_SMTP_HOST); failures stay queued for the next run."""
    settings = Settings()
    if not settings.smtp_host:
        console.print(
            "COLLECTE_SMTP_HOST is not set: messages stay in the outbox (see `collecte outbox list`)"
        )
        return
    with cli_transaction(settings) as session:
        sent, failed = send_pending(session, settings=settings, limit=limit)
    console.print(f"sent {sent}, failed {failed}")
    if failed:
        raise typer.Exit(code=1)


@app.command("list")
def list_messages(
    unsent: Annotated[bool, typer.Option(help="Only those not sent yet.")] = True,
) -> None:
    """Show queued messages."""
    with cli_transaction(Settings()) as session:
        for m in session.scalars(outbox_messages(unsent=unsent)):
            state = "sent" if m.sent_at else f"queued ({m.attempts} attempt(s))"
            console.print(f"{m.id:>5}  {m.recipient:<36} {state:<22} {m.subject}")
