"""The admin CLI: sources, tokens, stores and staff, as an operator types them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from datong.auth.tables import staff
from datong.auth.tokens import authenticate_token
from datong.cli import app
from datong.errors import DatongError
from datong.settings import Settings
from datong.stores.tables import stores


@pytest.fixture
def env(settings: Settings, engine: Engine) -> dict[str, str]:
    return {"DATONG_DATA_DIR": str(settings.data_dir), "DATONG_DATABASE_URL": settings.database_url,
            "DATONG_ENV": "test"}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def run_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "datong", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


def test_source_write_key_is_the_last_line(env: dict[str, str]) -> None:
    code, out = run(env, "sources", "add", "pos-export", "--channel", "offline")
    assert code == 0
    key = out.strip().splitlines()[-1]
    assert key.startswith("wk_") and len(key) > 30
    code, out = run(env, "sources", "list")
    assert "pos-export" in out and "offline" in out and key not in out


def test_token_is_the_last_line_and_works(env: dict[str, str], engine: Engine) -> None:
    code, out = run(env, "tokens", "add", "ops", "--role", "admin")
    assert code == 0
    token = out.strip().splitlines()[-1]
    with engine.connect() as db:
        assert authenticate_token(db=db, secret=token).role == "admin"
    code, out = run(env, "tokens", "revoke", "ops")
    assert code == 0


def test_store_and_clerk(env: dict[str, str], engine: Engine) -> None:
    code, _ = run(env, "stores", "add", "HZ01", "--name", "杭州湖滨店", "--city", "杭州",
                  "--lat", "30.2590", "--lon", "120.1630",
                  "--hours", "mon-fri=10:00-21:30,sat-sun=09:30-22:00")
    assert code == 0
    code, _ = run(env, "staff", "add", "xiaomei", "--role", "clerk", "--store", "HZ01",
                  "--password", "counter-123", "--name", "小美")
    assert code == 0
    with engine.connect() as db:
        store = db.execute(select(stores)).one()
        clerk = db.execute(select(staff)).one()
    assert store.opening_hours["sat"] == ["09:30", "22:00"]
    assert clerk.store_id == store.id and clerk.password_hash.startswith("$argon2")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sources", "add", "x", "--channel", "tv"], "channel must be online or offline"),
        (["tokens", "add", "c", "--role", "clerk"], "a clerk must be bound to a store"),
        (["tokens", "add", "c", "--role", "owner"], "role must be one of"),
        (["stores", "add", "X1", "--name", "n", "--hours", "25:00-26:00"], "opening_hours"),
        (["stores", "add", "X1", "--name", "n", "--lat", "91"], "latitude"),
        (["staff", "add", "bob", "--role", "clerk", "--store", "NOPE", "--password", "12345678"],
         "no store with code 'NOPE'"),
        (["staff", "add", "bob", "--role", "admin", "--password", "short"], "at least 8"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    env: dict[str, str], args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1
    error = result.exception
    shown = error.message if isinstance(error, DatongError) else result.output
    assert message in shown


def test_errors_are_one_line_on_stderr_not_a_traceback(env: dict[str, str]) -> None:
    run(env, "sources", "add", "app")
    done = run_process(env, "sources", "add", "app")
    assert done.returncode == 1
    assert done.stderr.strip() == "error (name): a source named 'app' exists already"
    assert "Traceback" not in done.stdout


def test_bad_settings_are_named(tmp_path: Path) -> None:
    done = run_process({"DATONG_DATA_DIR": str(tmp_path), "DATONG_PHONE_REGION": "ZZ"},
                       "stores", "list")
    assert done.returncode == 1 and "DATONG_PHONE_REGION" in done.stderr
