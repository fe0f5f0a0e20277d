"""Group commit for domain writes: one thread runs the units of work that requests hand it,
many in each transaction, each in its own savepoint.

A coupon redemption, a claim or a points payment is a few statements; what costs is around
them — a commit (an fsync) per request, and on SQLite every request's worker thread queueing
for the one writer while holding the GIL it needs back after each statement. Here a request
hands its work over (`await queue.run(work)`) and waits for the commit of the group its work
was in; the answer is only sent once the work is durable. A unit that raises is rolled back
to its savepoint alone and its error is given to its caller once the group's commit is done;
the others in the group are not affected. If the commit itself fails, every caller of the
group hears `Unavailable` and nothing of the group is kept.

Units of work must be short (a handful of statements): the ones behind them wait. Long work
(bulk issues, jobs) keeps its own transaction.

One thread, on every backend: two threads committing groups would each hold their group's
row locks until their commit, and two groups waiting on each other's rows (a claim storm
on one template does it at once) deadlock. A unit that meets a lock conflict with another
process is rolled back to its savepoint alone and its caller is told to retry.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError

from datong.errors import Unavailable
from datong.store.database import writer_lock

logger = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Connection], T]


@dataclass
class _Job(Generic[T]):
    work: Work[T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    result: Any = None
    error: BaseException | None = field(default=None)


class CommitQueue:
    """Runs queued units of work on one thread, up to `max_group` in one transaction."""

    def __init__(self, engine: Engine, *, max_pending: int = 5_000, max_group: int = 64,
                 retry_after: int = 1) -> None:
        self._engine = engine
        if not event.contains(engine, "before_cursor_execute", _open_before_write):
            event.listen(engine, "before_cursor_execute", _open_before_write)
        self._max_pending = max_pending
        self._max_group = max_group
        self._retry_after = retry_after
        self._queue: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._pending = 0
        self.savepoints = 0  # opened so far (units that wrote while sharing a group)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def engine(self) -> Engine:
        return self._engine

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="datong-commits",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    async def run(self, work: Work[T]) -> T:
        """Run `work(connection)` in the next group; answer its result once committed, or
        raise what it raised (its changes rolled back)."""
        loop = asyncio.get_running_loop()
        job: _Job[T] = _Job(work, loop, loop.create_future())
        with self._lock:
            if self._thread is None or self._pending >= self._max_pending:
                raise Unavailable("the server is overloaded; retry later",
                                  retry_after=self._retry_after, code="overloaded")
            self._pending += 1
        self._queue.put(job)
        return await job.future

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, stop = self._gather(first)
            self._commit(group)
            if stop:
                return

    def _gather(self, first: _Job[Any]) -> tuple[list[_Job[Any]], bool]:
        group = [first]
        while len(group) < self._max_group:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return group, True
            group.append(job)
        return group, False

    def _commit(self, group: list[_Job[Any]]) -> None:
        try:
            with writer_lock(self._engine), self._engine.connect() as conn:
                try:
                    self._transaction(conn, group)
                except Exception:  # the transaction may be left open (SQLite keeps it when
                    conn.invalidate()  # a deferred check fails at COMMIT): never reuse it
                    raise
        except Exception as exc:  # the store refused the group: nobody's work was kept, and
            # a refusal may have rested on another unit's write that is now gone
            logger.exception("a group of %d writes failed", len(group))
            error = Unavailable(
                f"the state store did not accept the write: {type(exc).__name__}",
                retry_after=self._retry_after, code="store_unavailable")
            for job in group:
                job.error, job.result = error, None
        with self._lock:
            self._pending -= len(group)
        for job in group:
            job.loop.call_soon_threadsafe(_settle, job)

    def _transaction(self, conn: Connection, group: list[_Job[Any]]) -> None:
        transaction = conn.begin()
        if len(group) == 1:  # alone, it needs no savepoint: a failure rolls back all
            _run(conn, group[0])
            failed = group[0].error is not None
        else:
            self.savepoints += sum(_run_in_savepoint(conn, job) for job in group)
            failed = False
        if failed:
            transaction.rollback()
        else:
            transaction.commit()


def _run(conn: Connection, job: _Job[Any]) -> None:
    try:
        job.result = job.work(conn)
    except OperationalError:  # a deadlock with another process: nothing of it was kept
        logger.warning("a write unit met a lock conflict and was rolled back", exc_info=True)
        job.error = Unavailable("the write met a concurrent one; retry", retry_after=1,
                                code="busy")
    except Exception as exc:
        job.error = exc


_UNIT = "datong_unit"
_STATE = "datong_unit_savepoint"


class _LazySavepoint:
    """A unit's savepoint, opened just before its first write: a unit that only reads and
    then refuses (a claim on a sold-out template, a coupon already used) costs no savepoint
    round trips."""

    __slots__ = ("watching", "opened")

    def __init__(self) -> None:
        self.watching = False
        self.opened = False


def _open_before_write(conn: Connection, cursor: Any, statement: str, parameters: Any,
                       context: Any, executemany: bool) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        before_write(conn.info, cursor)


def before_write(info: dict[Any, Any], cursor: Any) -> None:
    """Open the running unit's savepoint if it has none yet. Statements that SQLAlchemy runs
    come here through its event; statements run on the driver's cursor (datong.store.raw)
    call it themselves."""
    state = info.get(_STATE)
    if state is not None and state.watching and not state.opened:
        cursor.execute(f"SAVEPOINT {_UNIT}")
        state.opened = True


def _run_in_savepoint(conn: Connection, job: _Job[Any]) -> bool:
    """Run one unit of a group; True when it opened a savepoint. A unit that wrote and then
    failed is rolled back to its savepoint; one that succeeded leaves it in place (no
    round trip to release it: the commit releases them all)."""
    state = conn.info.setdefault(_STATE, _LazySavepoint())
    state.watching, state.opened = True, False
    try:
        _run(conn, job)
    finally:
        state.watching = False
    if state.opened and job.error is not None:
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {_UNIT}")
    return state.opened


def _settle(job: _Job[Any]) -> None:
    if job.future.done():  # the caller went away (a cancelled request)
        return
    if job.error is not None:
        job.future.set_exception(job.error)
    else:
        job.future.set_result(job.result)
