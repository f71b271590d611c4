"""One settings class, read from the environment (prefix ``COLLECTE_``) and ``.env``."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")


class Settings(BaseSettings):
    """Everything an operator can configure; defaults give a working embedded install."""

    model_config = SettingsConfigDict(env_prefix="COLLECTE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"), description="Where the SQLite file and the generated secret live."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default a SQLite file in data_dir."
    )
    secret_key: str | None = Field(
        default=None, description="Signs tokens and cookies; generated into data_dir when unset."
    )
    public_base_url: str = "http://127.0.0.1:8000"
    default_language: Language = "fr"
    programme_name: str = "Collecte"
    token_ttl_minutes: int = Field(default=60 * 12, ge=1)
    session_ttl_minutes: int = Field(default=60 * 12, ge=1)
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins allowed per account per window."
    )
    login_window_minutes: int = Field(default=15, ge=1)
    password_reset_ttl_minutes: int = Field(
        default=60, ge=5, le=7 * 24 * 60, description="How long a password reset link works."
    )
    password_reset_max_per_hour: int = Field(
        default=3,
        ge=1,
        description="Reset links the 'forgot password' form sends an account per hour (no more).",
    )
    smtp_host: str | None = Field(
        default=None, description="Outbox emails are sent here; kept unsent when unset."
    )
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "collecte@localhost"
    van_capacity_kg: float = Field(
        default=600,
        gt=0,
        le=40_000,
        description="Payload of a collection van, for run sheets (a small urban van carries ~600 kg).",
    )
    warranty_months: int = Field(
        default=6,
        ge=0,
        le=60,
        description="Warranty on a device handed over to a beneficiary, printed on its receipt.",
    )
    impact_displacement: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of reused devices standing in for a new purchase (avoided emissions).",
    )
    impact_factors_version: str | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}$",
        description="Impact factor file to use (YYYY-MM); the newest shipped when unset.",
    )
    public_cache_seconds: int = Field(
        default=60,
        ge=0,
        le=86_400,
        description="How long the public impact page and badge are kept once rendered (0: never).",
    )
    geocoder_url: str = Field(
        default="https://api-adresse.data.gouv.fr",
        max_length=500,
        description="A Base Adresse Nationale–compatible geocoder (its /search/ API; the public one, "
        "or a self-hosted addok); empty: no geocoding, addresses take their commune's centre.",
    )
    geocoder_timeout_seconds: float = Field(
        default=2, gt=0, le=30, description="How long a booking waits for the geocoder."
    )
    geocoder_min_score: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="A geocoder match scoring lower is not trusted: the commune's centre is used.",
    )
    max_body_bytes: int = Field(
        default=6 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted (413 beyond): a 5 MiB upload and its form.",
    )
    # Kept open per process: more than the busiest station load measured (16 concurrent scans),
    # because an overflow connection is closed on check-in and reopening one costs a PostgreSQL
    # session start; with 10 + 5 the scan benchmark opened 106 sessions in 8 s.
    db_pool_size: int = Field(default=20, ge=1, description="Connections kept open per process.")
    db_max_overflow: int = Field(default=5, ge=0, description="Extra connections under bursts.")

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'collecte.db').resolve()}"

    @cached_property
    def effective_secret_key(self) -> str:
        """The configured secret, or one generated once into ``data_dir/secret_key``."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # Written aside (0600) then linked into place: several workers starting together
            # agree on one secret, and none ever reads a half-written file.
            descriptor, temporary = tempfile.mkstemp(dir=self.data_dir, prefix=".secret-")
            try:
                with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                    handle.write(secrets.token_urlsafe(48))
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, path)
            finally:
                os.unlink(temporary)
        return path.read_text(encoding="ascii").strip()

    @property
    def cookies_secure(self) -> bool:
        return self.public_base_url.startswith("https://")
