from __future__ import annotations

import stat
from pathlib import Path

import pytest

from collecte.config import Settings


def test_secret_is_generated_once_into_the_data_directory(tmp_path: Path) -> None:
    first = Settings(_env_file=None, data_dir=tmp_path / "data")
    second = Settings(_env_file=None, data_dir=tmp_path / "data")
    assert len(first.effective_secret_key) >= 48
    assert second.effective_secret_key == first.effective_secret_key
    mode = (tmp_path / "data" / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["secret_key"]


def test_configured_secret_wins_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", secret_key="from-the-environment"
    )
    assert settings.effective_secret_key == "from-the-environment"
    assert not (tmp_path / "data").exists()


def test_default_database_is_a_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'collecte.db'}"
    assert Settings(
        _env_file=None, database_url="postgresql+psycopg://db/x"
    ).effective_database_url.startswith("postgresql")


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLECTE_DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("COLLECTE_PUBLIC_BASE_URL", "https://collecte.example.org")
    settings = Settings(_env_file=None)
    assert settings.default_language == "en"
    assert settings.cookies_secure
