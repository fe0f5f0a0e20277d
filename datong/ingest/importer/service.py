"""Bulk import: a CSV or Parquet export becomes events in the log, bad lines a reject file.

Every row read ends up either in an event or in the reject file, and each run is recorded in
`import_runs`. Events carry deterministic messageIds, so importing a file again adds nothing.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Engine, update

from datong.ingest.importer.mapping import Mapping
from datong.ingest.importer.plan import Plan
from datong.ingest.importer.reader import Loaded, read_file, sha256_file
from datong.ingest.importer.rejects import write_rejects
from datong.ingest.importer.rows import Batch, event_rows
from datong.ingest.log import EventHook, append
from datong.ingest.sources import Source, get_source
from datong.ingest.tables import import_runs
from datong.store.types import utcnow

# Called as rows are settled: (rows done, rows in the file).
Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    run_id: int
    file: str
    rows_read: int = 0
    events_built: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0
    rejects_path: Path | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0


def import_file(
    *, engine: Engine, source: str, path: Path, mapping: Mapping, rejects_path: Path | None = None,
    rejects_dir: Path | None = None, hooks: Sequence[EventHook] = (), chunk_size: int = 5_000,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import `path` for the named source; rejected lines go to `rejects_path`, or when there
    are any to a new file in `rejects_dir` (next to the file when neither is given)."""
    started = time.perf_counter()
    received_at = utcnow()
    with engine.begin() as db:
        src = get_source(db=db, name=source)
    loaded = read_file(path, mapping.file)
    plan = Plan(loaded, mapping)
    try:
        summary = ImportSummary(_start_run(engine, src, loaded, mapping, received_at), str(path))
        _settle_rejects(plan, loaded, summary, rejects_path, rejects_dir or path.parent)
        common = Batch(src, received_at, path.name, summary.run_id, mapping.type)
        _insert(engine, plan.events(chunk_size), common, summary, hooks, progress)
    finally:
        plan.close()
    summary.seconds = time.perf_counter() - started
    _finish_run(engine, summary)
    return summary


def _insert(engine: Engine, batches: Iterator[pa.RecordBatch], common: Batch,
            summary: ImportSummary, hooks: Sequence[EventHook], progress: Progress | None) -> None:
    """One transaction per batch of events; the rejected rows count as done from the start."""
    done = summary.rejected
    if progress:
        progress(done, summary.rows_read)
    for batch in batches:
        with _gc_paused():
            rows = event_rows(batch, common)
        with engine.begin() as db:
            inserted = len(append(db=db, rows=rows, hooks=hooks).inserted)
        summary.inserted += inserted
        summary.duplicates += len(rows) - inserted
        done += sum(batch.column("__lines").to_pylist())
        if progress:
            progress(done, summary.rows_read)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building a batch allocates many small dicts and no cycles; the collector running over
    and over meanwhile doubled the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _settle_rejects(plan: Plan, loaded: Loaded, summary: ImportSummary,
                    rejects_path: Path | None, rejects_dir: Path) -> None:
    """Count what the plan will insert and reject; write the reject file before any insert."""
    events, rows_in_events, rejected = plan.counts()
    summary.rows_read = loaded.rows_read
    summary.events_built = events
    summary.rejected = rejected + len(loaded.broken)
    if rows_in_events + summary.rejected != summary.rows_read:  # a row would vanish: a bug
        raise RuntimeError(f"import of {loaded.path} lost rows: {summary.rows_read} read, "
                           f"{rows_in_events} in events, {summary.rejected} rejected")
    if rejects_path is None and summary.rejected:
        rejects_path = rejects_dir / f"{loaded.path.stem}.run{summary.run_id}.rejects.csv"
    if rejects_path is not None:
        write_rejects(con=plan.con, path=rejects_path, file_label=str(loaded.path),
                      columns=loaded.columns, broken=loaded.broken)
        summary.rejects_path = rejects_path


def _start_run(engine: Engine, source: Source, loaded: Loaded, mapping: Mapping,
               started_at: datetime) -> int:
    with engine.begin() as db:
        result = db.execute(import_runs.insert().values(
            source_id=source.id, file_name=str(loaded.path)[-500:],
            file_sha256=sha256_file(loaded.path), mapping=mapping.raw, started_at=started_at,
        ))
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def _finish_run(engine: Engine, summary: ImportSummary) -> None:
    with engine.begin() as db:
        db.execute(update(import_runs).where(import_runs.c.id == summary.run_id).values(
            finished_at=utcnow(), rows_read=summary.rows_read,
            events_built=summary.events_built, events_inserted=summary.inserted,
            duplicates=summary.duplicates, rejected=summary.rejected,
        ))
