"""The lake seen from outside: /healthz, the server's periodic sync, the CLI, a killed sync."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from datong.app import create_app
from datong.cli import app as cli
from datong.commands import common
from datong.lake.layout import events_root
from datong.lake.mirror import sync_lake
from datong.settings import Settings
from tests.conftest import Cast
from tests.lake_rows import add_many, lake_ids, state_ids


def batch(n: int, start: int = 0) -> dict[str, Any]:
    return {"batch": [{"type": "track", "userId": f"u{i}", "event": "Product Viewed",
                       "messageId": f"m{i}", "properties": {"sku": f"p{i}"}}
                      for i in range(start, start + n)]}


def wait_for(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition did not hold in time")


def test_healthz_shows_the_lake(
    client: TestClient, cast: Cast, settings: Settings, engine: Engine
) -> None:
    assert client.get("/healthz").json()["lake"]["files"] == 0
    assert client.post("/v1/batch", auth=(cast.app_key, ""), json=batch(4)).status_code == 200
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=0)
    lake = client.get("/healthz").json()["lake"]
    assert lake["ok"] and (lake["files"], lake["rows"], lake["partitions"]) == (1, 4, 1)
    assert lake["last_id"] == max(state_ids(engine)) and lake["last_sync"]["rows"] == 4


def test_the_server_syncs_the_lake_in_the_background(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    periodic = settings.model_copy(update={"lake_sync_interval": 0.1, "lake_sync_lag": 0})
    app = create_app(periodic)
    with TestClient(app) as client:
        client.post("/v1/batch", auth=(cast.app_key, ""), json=batch(5))
        wait_for(lambda: client.get("/healthz").json()["lake"]["rows"] == 5)
        client.post("/v1/batch", auth=(cast.pos_key, ""), json=batch(3, start=5))
        wait_for(lambda: client.get("/healthz").json()["lake"]["rows"] == 8)
        (task,) = app.state.runtime.background
    assert task.done()  # stopped with the server
    assert lake_ids(settings.lake_dir) == state_ids(engine)


def test_a_failing_background_sync_is_logged_and_retried(
    settings: Settings, engine: Engine, cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.lake_dir.write_text("not a folder")  # every sync fails until this goes away
    periodic = settings.model_copy(update={"lake_sync_interval": 0.05, "lake_sync_lag": 0})
    with caplog.at_level(logging.ERROR, "datong.lake"), TestClient(create_app(periodic)) as client:
        client.post("/v1/batch", auth=(cast.app_key, ""), json=batch(2))
        wait_for(lambda: "lake sync failed" in caplog.text)
        assert client.get("/healthz").status_code == 200
        settings.lake_dir.unlink()
        wait_for(lambda: client.get("/healthz").json()["lake"]["rows"] == 2)


@pytest.fixture
def cli_env(settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment a `datong` command reads, pointing at this test's stores."""
    monkeypatch.setenv("DATONG_ENV", "test")
    monkeypatch.setenv("DATONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATONG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DATONG_LAKE_SYNC_LAG", "0")
    yield
    common.start_invocation()  # disposes the store the last command opened


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_lake_commands(cli_env: None, settings: Settings, engine: Engine, cast: Cast) -> None:
    add_many(engine, 9)
    assert "synced 9 events into 3 files" in run("lake", "sync")
    assert "synced 0 events" in run("lake", "sync")
    assert "rebuilt the lake with 9 events" in run("lake", "sync", "--rebuild")
    status = orjson.loads(run("lake", "status", "--json"))
    assert (status["rows"], status["files"], status["last_id"]) == (9, 3, max(state_ids(engine)))
    table = run("lake", "status")
    assert "last event id" in table and "9 events in" in table


@pytest.mark.slow
def test_a_sync_killed_mid_write_loses_and_repeats_nothing(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    add_many(engine, 80_000, days=30, bulk=True)
    env = {**os.environ, "DATONG_ENV": "test", "DATONG_DATA_DIR": str(settings.data_dir),
           "DATONG_DATABASE_URL": settings.database_url, "DATONG_LAKE_SYNC_LAG": "0"}
    process = subprocess.Popen([sys.executable, "-m", "datong", "lake", "sync"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = events_root(settings.lake_dir)
    # Kill -9 as soon as the first chunk's files are being written.
    wait_for(lambda: root.exists() and any(root.glob("*/*.tmp")), timeout=60)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    partial = lake_ids(settings.lake_dir)
    assert len(partial) < 80_000 and len(set(partial)) == len(partial)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=0)
    assert lake_ids(settings.lake_dir) == state_ids(engine)
    assert not list(root.glob("*/*.tmp"))
