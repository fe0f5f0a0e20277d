"""SIGKILL the server in the middle of a load: every message that got a 2xx must survive."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from datong.ingest.tables import events
from datong.settings import Settings
from tests.conftest import Cast
from tests.live import LiveServer, httpx

pytestmark = pytest.mark.slow


def _load(url: str, key: str, worker: int, acked: set[str], stop: threading.Event) -> None:
    """Send batches until the server goes away; remember what it acknowledged."""
    n = 0
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            ids = [f"w{worker}-{n + i}" for i in range(50)]
            n += 50
            batch = [{"type": "track", "userId": f"u{i}", "event": "Product Viewed",
                      "messageId": mid, "properties": {"sku": mid}} for i, mid in enumerate(ids)]
            try:
                r = client.post(f"{url}/v1/batch", json={"batch": batch}, auth=(key, ""))
            except httpx.HTTPError:
                return
            if r.status_code == 200:
                acked.update(ids)


def test_sigkill_during_load_loses_no_acknowledged_message(
    settings: Settings, cast: Cast, engine: Engine, tmp_path: Path
) -> None:
    server = LiveServer(settings, tmp_path / "server.log").start()
    acked: list[set[str]] = [set() for _ in range(4)]
    stop = threading.Event()
    workers = [threading.Thread(target=_load, args=(server.url, cast.app_key, w, acked[w], stop))
               for w in range(4)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + 20
    while sum(map(len, acked)) < 3000 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # mid-flight: requests are still being sent and committed
    stop.set()
    for w in workers:
        w.join(15)
    confirmed = set().union(*acked)
    assert len(confirmed) >= 3000

    server.start()
    try:
        with engine.connect() as conn:
            stored = set(conn.execute(select(events.c.message_id)).scalars())
        assert confirmed <= stored, f"{len(confirmed - stored)} acknowledged messages were lost"
        again = httpx.post(
            f"{server.url}/v1/batch", auth=(cast.app_key, ""),
            json={"batch": [{"type": "track", "userId": "u", "event": "Product Viewed",
                             "messageId": mid} for mid in sorted(confirmed)[:100]]},
        )
        assert again.json()["duplicates"] == 100
    finally:
        server.stop()
