"""Settings: typed, validated at start, the bad key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from datong.errors import ConfigError
from datong.settings import Settings, load_settings


def test_defaults_put_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve()}/datong.sqlite3"
    assert settings.phone_region == "CN" and settings.timezone == "Asia/Shanghai"


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATONG_PHONE_REGION", "hk")
    monkeypatch.setenv("DATONG_DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = load_settings()
    assert settings.data_dir == tmp_path and settings.phone_region == "HK"
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATONG_ENV": "prod"}, "DATONG_SECRET_KEY"),
        ({"DATONG_ENV": "prod", "DATONG_SECRET_KEY": "short"}, "DATONG_SECRET_KEY"),
        ({"DATONG_PHONE_REGION": "XX"}, "DATONG_PHONE_REGION"),
        ({"DATONG_TIMEZONE": "Mars/Base"}, "DATONG_TIMEZONE"),
        ({"DATONG_INGEST_MAX_PENDING": "many"}, "DATONG_INGEST_MAX_PENDING"),
        ({"DATONG_ENV": "staging"}, "DATONG_ENV"),
        ({"DATONG_NO_SUCH_THING": "1"}, None),
    ],
)
def test_bad_values_fail_at_start_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str | None
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if named is None:  # unknown DATONG_* variables are ignored by the environment source
        load_settings()
        return
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(named)


def test_a_real_secret_is_accepted_in_prod(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATONG_ENV", "prod")
    monkeypatch.setenv("DATONG_SECRET_KEY", "a-long-and-random-production-secret")
    assert load_settings().env == "prod"
