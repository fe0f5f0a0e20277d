"""The server's periodic loyalty jobs: matured points, timed-out holds, expired lots."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine

from datong.loyalty import jobs
from datong.outbox.service import Outbox
from datong.settings import Settings

logger = logging.getLogger(__name__)


def run_due_jobs(engine: Engine, settings: Settings, outbox: Outbox) -> dict[str, int]:
    """One round of the jobs that keep balances current; returns what each did."""
    done = {
        "matured": jobs.run(engine, jobs.mature_step(settings.tz)).items,
        "holds_released": jobs.run(engine, jobs.holds_step()).items,
        "lots_expired": jobs.run(engine, jobs.expiry_step(outbox)).items,
    }
    return done


async def run_periodically(engine: Engine, settings: Settings, outbox: Outbox) -> None:
    while True:
        await asyncio.sleep(settings.loyalty_jobs_interval)
        try:
            await asyncio.to_thread(run_due_jobs, engine, settings, outbox)
        except Exception:  # the next interval tries again; the server keeps serving
            logger.exception("loyalty jobs failed")


def start_periodic_jobs(engine: Engine, settings: Settings,
                        outbox: Outbox) -> asyncio.Task[None]:
    return asyncio.get_running_loop().create_task(
        run_periodically(engine, settings, outbox), name="datong-loyalty-jobs")
