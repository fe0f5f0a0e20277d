"""The server's periodic lake sync: a background task that runs each sync in a worker thread."""

from __future__ import annotations

import asyncio
import logging
import threading

from sqlalchemy import Engine

from datong.errors import Conflict
from datong.lake.mirror import sync_lake
from datong.settings import Settings

logger = logging.getLogger(__name__)


async def sync_periodically(engine: Engine, settings: Settings) -> None:
    """Sync the lake every `lake_sync_interval` seconds until cancelled; a failed sync is
    logged and retried at the next interval. Cancelling stops a running sync after its
    current chunk (each chunk is committed whole), so shutdown never leaves a half sync."""
    stop = threading.Event()
    # The first sync comes as soon as the lag allows, so a fresh server has a lake at once.
    delay = min(settings.lake_sync_interval, max(settings.lake_sync_lag, 1.0))
    while True:
        await asyncio.sleep(delay)
        delay = settings.lake_sync_interval
        worker = asyncio.ensure_future(asyncio.to_thread(_sync_once, engine, settings, stop))
        try:
            await asyncio.shield(worker)
        except asyncio.CancelledError:
            stop.set()
            await asyncio.wait([worker])
            raise


def start_periodic_sync(engine: Engine, settings: Settings) -> asyncio.Task[None]:
    """Start the periodic sync on the running event loop; cancel the task to stop it."""
    return asyncio.get_running_loop().create_task(
        sync_periodically(engine, settings), name="datong-lake-sync"
    )


def _sync_once(engine: Engine, settings: Settings, stop: threading.Event) -> None:
    try:
        sync_lake(
            engine=engine, lake_dir=settings.lake_dir, lag=settings.lake_sync_lag,
            should_stop=stop.is_set,
        )
    except Conflict as exc:  # a `datong lake sync` run by hand holds the lake right now
        logger.info("lake sync skipped: %s", exc.message)
    except Exception:  # the next interval tries again; the server keeps serving
        logger.exception("lake sync failed")
