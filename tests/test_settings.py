"""Settings: prefix, defaults, and documentation of every field."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_settings_default_to_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUHUB_DATABASE_URL", raising=False)
    assert Settings(_env_file=None).database_url == "sqlite:///./eduhub.db"  # type: ignore[call-arg]


def test_settings_read_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDUHUB_DATABASE_URL", "postgresql://x@y/z")
    assert Settings().database_url == "postgresql://x@y/z"


def test_settings_reject_bad_province_code() -> None:
    with pytest.raises(ValueError, match="two digits"):
        Settings(province_code="3")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`EDUHUB_{name.upper()}`" in DOCS.read_text(encoding="utf-8")
