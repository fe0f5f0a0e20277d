"""Browser-test plumbing: a real `datong serve` process over a prepared store, and Debian's
Chromium driven headless by Playwright through its executable path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import Engine

from datong.settings import Settings
from datong.store.database import open_store
from tests.conftest import Cast, make_cast
from tests.console import Staff, make_staff, sync
from tests.live import LiveServer

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PHONE_VIEWPORT: dict[str, Any] = {"viewport": {"width": 390, "height": 844},
                                  "device_scale_factor": 2, "is_mobile": True,
                                  "has_touch": True}


def chromium_path() -> str:
    path = os.environ.get("DATONG_TEST_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        pytest.fail(f"no Chromium at {path}: `make test` installs Debian's chromium")
    return path


class World:
    """The store, cast and staff behind the server the browser talks to."""

    def __init__(self, settings: Settings, engine: Engine, cast: Cast, staff: Staff,
                 server: LiveServer) -> None:
        self.settings, self.engine, self.cast, self.staff = settings, engine, cast, staff
        self.server = server
        self.url = server.url

    def send(self, key: str, *messages: dict[str, Any]) -> None:
        r = httpx.post(f"{self.url}/v1/batch", auth=(key, ""),
                       json={"batch": list(messages)}, timeout=30)
        assert r.status_code == 200, r.text

    def sync_lake(self) -> None:
        sync(self.engine, self.settings)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = Settings(env="test", data_dir=tmp_path / "data", lake_sync_interval=0,
                        sqlite_synchronous="NORMAL")
    engine = open_store(settings)
    cast = make_cast(engine)
    staff = make_staff(engine, cast)
    server = LiveServer(settings, tmp_path / "server.log").start()
    try:
        yield World(settings, engine, cast, staff, server)
    finally:
        server.stop()
        engine.dispose()


# Per module: Playwright's sync API runs one event loop per thread, so two browser fixtures
# (one imported by each browser test module) must not be open at once.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                              args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (test-artifacts/<name>.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    """Sign in through the form with the keyboard, as a person would."""
    page.goto(f"{url}/console/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    page.wait_for_load_state("networkidle")
