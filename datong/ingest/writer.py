"""Group commit: one thread owns the writes, many requests share each transaction's fsync.

A request hands its rows over and awaits the commit; only then does it answer 2xx. When more
messages wait than the writer can hold, `submit` refuses at once (the caller answers 503).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from datong.errors import Unavailable
from datong.ingest import log
from datong.store.database import writer_lock

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0


@dataclass
class _Job:
    rows: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Outcome]
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.rows) + len(self.rejected)


class GroupWriter:
    """Commits queued jobs in groups of up to `max_group` messages on one thread."""

    def __init__(
        self, engine: Engine, *, max_pending: int, max_group: int, retry_after: int,
        hooks: Sequence[log.EventHook] = (),
    ) -> None:
        self._engine = engine
        self._max_pending = max_pending
        self._max_group = max_group
        self._retry_after = retry_after
        self._hooks = tuple(hooks)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def hooks(self) -> tuple[log.EventHook, ...]:
        return self._hooks

    @property
    def pending(self) -> int:
        return self._pending

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="datong-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    async def submit(self, rows: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> Outcome:
        loop = asyncio.get_running_loop()
        job = _Job(rows, rejected, loop, loop.create_future())
        with self._lock:
            if self._thread is None or self._pending + job.size > self._max_pending:
                raise Unavailable(
                    "ingestion is overloaded; retry later", retry_after=self._retry_after,
                    code="overloaded",
                )
            self._pending += job.size
        self._queue.put(job)
        return await job.future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, stop = self._gather(first)
            self._commit(group)
            if stop:
                return

    def _gather(self, first: _Job) -> tuple[list[_Job], bool]:
        group, size = [first], first.size
        while size < self._max_group:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return group, True
            group.append(job)
            size += job.size
        return group, False

    def _commit(self, group: list[_Job]) -> None:
        rows = [row for job in group for row in job.rows]
        rejected = [row for job in group for row in job.rejected]
        try:
            with writer_lock(self._engine), self._engine.begin() as conn:
                result = log.append(db=conn, rows=rows, rejected=rejected, hooks=self._hooks)
        except Exception as exc:  # the store is down or full: every waiter must hear of it
            logger.exception("ingest commit failed")
            error = Unavailable(
                f"the state store did not accept the write: {type(exc).__name__}",
                retry_after=self._retry_after, code="store_unavailable",
            )
            self._settle(group, None, error)
            return
        self._settle(group, result.inserted, None)

    def _settle(
        self, group: list[_Job], inserted: set[tuple[int, str]] | None, error: Exception | None
    ) -> None:
        with self._lock:
            self._pending -= sum(job.size for job in group)
        # As many new keys as rows: each row was new (a key repeated in the group, or already
        # stored, would leave fewer), so no row needs looking up.
        all_new = inserted is not None and len(inserted) == sum(len(job.rows) for job in group)
        for job in group:
            if error is not None:
                job.loop.call_soon_threadsafe(_set_exception, job.future, error)
                continue
            assert inserted is not None
            outcome = Outcome(quarantined=len(job.rejected))
            if all_new:
                outcome.accepted = len(job.rows)
                job.loop.call_soon_threadsafe(_set_result, job.future, outcome)
                continue
            for row in job.rows:
                key = (row["source_id"], row["message_id"])
                if key in inserted:
                    inserted.discard(key)
                    outcome.accepted += 1
                else:
                    outcome.duplicates += 1
            job.loop.call_soon_threadsafe(_set_result, job.future, outcome)


def _set_result(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():
        future.set_result(outcome)


def _set_exception(future: asyncio.Future[Outcome], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
