"""The ``collecte`` command: serve, migrate, manage accounts, load the demo."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from collecte import models as _all_models  # noqa: F401 (every table known before the first flush)
from collecte.audit import cli as audit_cli
from collecte.auth.models import Role
from collecte.auth.service import create_user
from collecte.config import Settings
from collecte.core.backup import (
    BackupError,
    TargetNotEmpty,
    backup_database,
    describe,
    restore_database,
)
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.errors import CollecteError
from collecte.core.migrations import upgrade_database
from collecte.demo import database_is_empty, load_demo
from collecte.devices import cli as devices_cli
from collecte.impact import cli as impact_cli
from collecte.labels import cli as labels_cli
from collecte.notifications import cli as outbox_cli
from collecte.requests import cli as requests_cli

app = typer.Typer(
    help="Collecte: logistics and impact for computer-reuse programmes.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(devices_cli.app, name="devices")
app.add_typer(labels_cli.app, name="labels")
app.add_typer(outbox_cli.app, name="outbox")
app.add_typer(requests_cli.app, name="requests")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(impact_cli.app, name="impact")

console = Console()
errors = Console(stderr=True)


def _sessions(settings: Settings):  # type: ignore[no-untyped-def]
    return make_sessionmaker(make_engine(settings.effective_database_url))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API and the web pages."""
    # This process becomes uvicorn (same id, signals and environment), so the worker that serves
    # holds none of the command line's modules (Typer, Rich, Alembic, the demo): 11 MB less each.
    command = [sys.executable, "-m", "uvicorn", "collecte.app:create_app", "--factory"]
    options = ["--host", host, "--port", str(port), "--workers", str(workers), "--proxy-headers"]
    os.execv(sys.executable, [*command, *options])  # noqa: S606 (our own interpreter, no shell)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations up to a revision (the latest by default)."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.effective_database_url, revision)
    console.print(f"database at revision [bold]{revision}[/bold]")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Backup file to write (replaced if it exists).")],
) -> None:
    """Back up the database to one file, while the application keeps running."""
    url = Settings().effective_database_url
    console.print(f"backing up {escape(describe(url))} to {escape(str(file))}", soft_wrap=True)
    try:
        result = backup_database(url, file)
    except BackupError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(code=1) from exc
    console.print(
        f"backup written: {result.path} ({result.size:,} bytes, {result.backend})", soft_wrap=True
    )


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="Backup file made by `collecte db backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds data.")
    ] = False,
) -> None:
    """Restore a backup into the configured database (refused if it holds data, unless --force)."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    console.print(f"restoring {escape(str(file))} into {escape(describe(url))}", soft_wrap=True)
    try:
        result = restore_database(url, file, force=force)
    except TargetNotEmpty as exc:
        errors.print(
            f"[red]error:[/red] {escape(str(exc))}: nothing restored (--force replaces it)",
            soft_wrap=True,
        )
        raise typer.Exit(code=1) from exc
    except BackupError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(code=1) from exc
    if result.replaced_data:
        console.print("the data the database held was replaced by the backup")
    console.print(
        f"restored at revision [bold]{result.revision}[/bold];"
        " run `collecte db upgrade` if this version of Collecte is newer than the backup",
        soft_wrap=True,
    )


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="Login email.")],
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    org: Annotated[
        int | None, typer.Option(help="Organisation id (required except for admin and auditor).")
    ] = None,
    full_name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Create a user account."""
    settings = Settings()
    try:
        with session_scope(_sessions(settings)) as session:
            user = create_user(
                session,
                email=email,
                password=password,
                role=role,
                organization_id=org,
                full_name=full_name,
            )
            console.print(f"created {user.role} account {user.email} (id {user.id})")
    except CollecteError as exc:
        errors.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(code=1) from exc


@app.command()
def demo() -> None:
    """Load the demo network into an empty database and print the logins it created."""
    settings = Settings()
    with session_scope(_sessions(settings)) as session:
        if not database_is_empty(session):
            console.print("the database already holds data: demo not loaded")
            return
        logins = load_demo(session)
    console.print("[bold]Demo logins[/bold] (also saved in the data directory as demo-logins.txt):")
    for login in logins:
        console.print(
            f"  {login.role.value:<12} {login.email:<36} {login.password}   ({login.organization})",
            soft_wrap=True,
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "demo-logins.txt"
    with path.open("w", encoding="utf-8") as handle:
        path.chmod(0o600)
        handle.writelines(f"{lg.role.value}\t{lg.email}\t{lg.password}\n" for lg in logins)
