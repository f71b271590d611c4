"""What the CLI commands share: settings, a transaction, the acting user, error printing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from collecte.auth.models import User
from collecte.auth.service import normalise_email
from collecte.config import Settings
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.core.errors import CollecteError
from collecte.core.handlers import changed_meanwhile, lost_race

console = Console()
errors = Console(stderr=True)


@contextmanager
def cli_transaction(settings: Settings) -> Iterator[Session]:
    """One transaction for a command; a refusal (or a write that lost a race with another, as
    the API answers 409 to it) rolls it back and exits with status 1."""
    engine = make_engine(settings.effective_database_url)
    try:
        try:
            with session_scope(make_sessionmaker(engine)) as session:
                yield session
        except (StaleDataError, DBAPIError) as exc:
            if not lost_race(exc):
                raise
            raise changed_meanwhile() from exc
    except CollecteError as exc:
        errors.print(f"[red]error:[/red] {exc.detail}")
        for problem in exc.extra.get("problems", []):
            errors.print(f"  {problem}")
        for row in exc.extra.get("rows", []):
            errors.print(f"  line {row['line']}: {'; '.join(row['errors'])}")
        raise typer.Exit(code=1) from exc
    finally:
        engine.dispose()


def acting_user(session: Session, email: str) -> User:
    """The active account a command acts as (its rights apply, and events name it)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email), User.active))
    if user is None:
        errors.print(f"[red]error:[/red] no active account {email}")
        raise typer.Exit(code=1)
    return user
