"""Keeping the lake in step with the event log: the incremental sync and the full rebuild."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import Engine

from datong.errors import Conflict
from datong.lake.layout import events_root, fsync_dirs, recover
from datong.lake.parts import PartIndex, Sizing, write_chunk
from datong.lake.source import read_chunks, safe_bound

logger = logging.getLogger(__name__)

CHUNK_ROWS = 100_000  # events read and written at once: bounds the memory a sync needs
LAST_SYNC = "last_sync.json"
_REBUILD = ".rebuild"
_OLD = ".old-events"


@dataclass(frozen=True)
class SyncResult:
    """What one sync did: rows and files written, the mark it left, and how long it took."""

    rows: int
    files: int
    chunks: int
    last_id: int
    seconds: float
    recovered: int
    rebuilt: bool
    finished_at: str


@dataclass(frozen=True)
class _Options:
    cutoff: datetime
    chunk_rows: int
    sizing: Sizing
    should_stop: Callable[[], bool]


@contextmanager
def lake_lock(lake_dir: Path) -> Iterator[None]:
    """One sync at a time per lake, across processes (the server's and a CLI run)."""
    lake_dir.mkdir(parents=True, exist_ok=True)
    with open(lake_dir / ".lock", "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(f"another lake sync is running on {lake_dir}") from None
        yield


def sync_lake(
    *, engine: Engine, lake_dir: Path, lag: float, chunk_rows: int = CHUNK_ROWS,
    sizing: Sizing = Sizing(), now: datetime | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SyncResult:
    """Mirror the events received more than `lag` seconds ago and not yet in the lake."""
    options = _options(lag, chunk_rows, sizing, now, should_stop)
    started = time.perf_counter()
    with lake_lock(lake_dir):
        _finish_rebuild(lake_dir)
        rows, files, chunks, recovered, mark = _sync_into(engine, events_root(lake_dir), options)
        result = _result(rows, files, chunks, mark, started, recovered, rebuilt=False)
        _save_last_sync(lake_dir, result)
    logger.log(logging.INFO if rows else logging.DEBUG,
               "lake sync: %d events in %d files up to id %d in %.2fs",
               rows, files, mark, result.seconds)
    return result


def rebuild_lake(
    *, engine: Engine, lake_dir: Path, lag: float, chunk_rows: int = CHUNK_ROWS,
    sizing: Sizing = Sizing(), now: datetime | None = None,
) -> SyncResult:
    """Build a fresh mirror from the whole event log beside the old one, then swap them."""
    options = _options(lag, chunk_rows, sizing, now, None)
    started = time.perf_counter()
    with lake_lock(lake_dir):
        _finish_rebuild(lake_dir)
        staging = lake_dir / _REBUILD / "events"
        rows, files, chunks, _, mark = _sync_into(engine, staging, options)
        _swap_in(lake_dir, staging)
        result = _result(rows, files, chunks, mark, started, 0, rebuilt=True)
        _save_last_sync(lake_dir, result)
    logger.info("lake rebuilt: %d events in %d files in %.2fs", rows, files, result.seconds)
    return result


def _options(
    lag: float, chunk_rows: int, sizing: Sizing, now: datetime | None,
    should_stop: Callable[[], bool] | None,
) -> _Options:
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=lag)
    return _Options(cutoff, chunk_rows, sizing, should_stop or (lambda: False))


def _sync_into(engine: Engine, root: Path, options: _Options) -> tuple[int, int, int, int, int]:
    recovered = recover(root)
    index = PartIndex.load(root)
    with engine.connect().execution_options(readonly=True) as conn:
        bound = safe_bound(conn, after=index.mark, cutoff=options.cutoff)
    rows = files = chunks = 0
    for chunk in read_chunks(engine, after=index.mark, bound=bound, size=options.chunk_rows):
        files += write_chunk(index, chunk, options.sizing)
        rows += chunk.num_rows
        chunks += 1
        if options.should_stop():
            break
    return rows, files, chunks, recovered, index.mark


def _swap_in(lake_dir: Path, staging: Path) -> None:
    # Only a complete rebuild moves the old mirror aside; `_finish_rebuild` relies on that.
    root, old = events_root(lake_dir), lake_dir / _OLD
    staging.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    os.rename(root, old)
    os.rename(staging, root)
    fsync_dirs([lake_dir])
    _remove_leftovers(lake_dir)


def _finish_rebuild(lake_dir: Path) -> None:
    """Complete a rebuild that died between moving the old mirror aside and moving in the new,
    or drop the half-built mirror of one that died earlier."""
    root, old, staging = events_root(lake_dir), lake_dir / _OLD, lake_dir / _REBUILD / "events"
    if old.exists() and not root.exists() and staging.exists():
        os.rename(staging, root)
        fsync_dirs([lake_dir])
    _remove_leftovers(lake_dir)


def _remove_leftovers(lake_dir: Path) -> None:
    shutil.rmtree(lake_dir / _OLD, ignore_errors=True)
    shutil.rmtree(lake_dir / _REBUILD, ignore_errors=True)


def _result(
    rows: int, files: int, chunks: int, mark: int, started: float, recovered: int, *,
    rebuilt: bool,
) -> SyncResult:
    return SyncResult(
        rows=rows, files=files, chunks=chunks, last_id=mark,
        seconds=round(time.perf_counter() - started, 3), recovered=recovered, rebuilt=rebuilt,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _save_last_sync(lake_dir: Path, result: SyncResult) -> None:
    # A report for `lake status`; the mark itself is always read from the part files.
    path = lake_dir / LAST_SYNC
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(orjson.dumps(asdict(result)))
    os.replace(tmp, path)
