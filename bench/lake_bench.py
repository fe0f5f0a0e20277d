"""Lake sync throughput from SQLite and PostgreSQL, and the daily-activity query on DuckDB.

    python -m bench.lake_bench                 # 1M events, both state stores
    python -m bench.lake_bench --events 200000 --stores sqlite

PostgreSQL is reached at DATONG_BENCH_PG_URL (else DATONG_TEST_PG_URL, else the local
server `make test` starts); a scratch database is created and dropped. Prints one JSON line
per measurement, then a table.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from datong.analytics.activity import daily_activity
from datong.engines import create_engine
from datong.ingest.sources import create_source
from datong.ingest.tables import events
from datong.lake.mirror import sync_lake
from datong.settings import Settings
from datong.store.database import open_store

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START = datetime(2026, 8, 1, tzinfo=UTC)
DAYS = 90
BATCH = 50_000
COLUMNS = [c.name for c in events.columns if c.name != "id"]
EVENT_NAMES = np.array(["Product Viewed", "Product Added", "Products Searched",
                        "Order Completed", "Store Visited", "Coupon Redeemed"])
EVENT_WEIGHTS = [0.55, 0.15, 0.12, 0.06, 0.08, 0.04]


def _pg_admin_url() -> str:
    return os.environ.get("DATONG_BENCH_PG_URL", os.environ.get("DATONG_TEST_PG_URL", DEFAULT_PG))


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _batches(n: int, sources: tuple[int, int], seed: int = 7) -> Iterator[list[tuple[Any, ...]]]:
    """Synthetic events in id order: timestamps rise over DAYS days, 3% arrive days late."""
    rng = np.random.default_rng(seed)
    step = DAYS * 86_400 / n
    for first in range(0, n, BATCH):
        size = min(BATCH, n - first)
        seconds = (np.arange(first, first + size) * step).astype(np.int64)
        late = rng.random(size) < 0.03
        seconds = np.where(late, np.maximum(seconds - rng.integers(1, 30, size) * 86_400, 0),
                           seconds)
        offline = rng.random(size) < 0.3
        names = rng.choice(EVENT_NAMES, size, p=EVENT_WEIGHTS)
        users = rng.integers(0, 50_000, size)
        skus = rng.integers(0, 2_000, size)
        arrival = (np.arange(first, first + size) * step).astype(np.int64)
        yield [
            _row(first + i, (int(seconds[i]), int(arrival[i])), bool(offline[i]), str(names[i]),
                 int(users[i]), int(skus[i]), sources)
            for i in range(size)
        ]


def _row(i: int, times: tuple[int, int], offline: bool, name: str, user: int, sku: int,
         sources: tuple[int, int]) -> tuple[Any, ...]:
    at, received = (START + timedelta(seconds=s) for s in times)
    store = f"SH{sku % 20:02d}" if offline else None
    props = (f'{{"sku":"p{sku}","price":{1990 + sku},"store_id":{json.dumps(store)},'
             f'"channel":"{"pos" if offline else "app"}"}}')
    return (
        sources[offline], f"m{i}", "track", name, f"u{user}", None,
        "offline" if offline else "online", store, at, at, received, received,
        props, None, '{"ip":"10.0.0.1","library":{"name":"bench"}}', None,
    )


def _load(engine: Engine, n: int) -> float:
    """Insert n synthetic events with the driver's executemany; return the seconds it took."""
    with engine.begin() as db:
        app, _ = create_source(db=db, name="app", channel="online")
        pos, _ = create_source(db=db, name="pos", channel="offline")
    sqlite = engine.dialect.name == "sqlite"
    marks = ", ".join("?" if sqlite else "%s" for _ in COLUMNS)
    quoted = ", ".join(f'"{c}"' for c in COLUMNS)
    statement = f"INSERT INTO events ({quoted}) VALUES ({marks})"
    started = time.perf_counter()
    for rows in _batches(n, (app.id, pos.id)):
        if sqlite:  # SQLAlchemy stores naive UTC text on SQLite; do the same
            rows = [(*r[:8], *(_sqlite_time(t) for t in r[8:12]), *r[12:]) for r in rows]
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            if sqlite:  # datong's SQLite connections leave transactions to the caller
                cursor.execute("BEGIN")
            cursor.executemany(statement, rows)
            connection.commit()
        finally:
            connection.close()
    return time.perf_counter() - started


def _sqlite_time(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _sync_in_child(url: str, lake_dir: str, out: Any) -> None:
    settings = Settings(env="test", data_dir=Path(lake_dir).parent, database_url=url)
    engine = open_store(settings)
    pa.array(["warm up"])  # pyarrow imports pandas on first use: not the sync's memory
    before, rss_before = resource.getrusage(resource.RUSAGE_SELF), _memory_mb("VmRSS")
    result = sync_lake(engine=engine, lake_dir=Path(lake_dir), lag=0)
    after = resource.getrusage(resource.RUSAGE_SELF)
    again = sync_lake(engine=engine, lake_dir=Path(lake_dir), lag=0)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    out.put({"rows": result.rows, "files": result.files, "seconds": result.seconds,
             "cpu_seconds": round(cpu, 2), "noop_seconds": again.seconds,
             "rss_before_mb": rss_before, "peak_rss_mb": _memory_mb("VmHWM")})


def _memory_mb(field: str) -> int:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024)
    return 0


def _timed_sync(settings: Settings) -> dict[str, Any]:
    # A fresh process, so that the peak memory is the sync's own and not the data generator's.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(
        target=_sync_in_child, args=(settings.database_url, str(settings.lake_dir), queue))
    child.start()
    report: dict[str, Any] = queue.get()
    child.join()
    return report


def _query_times(settings: Settings, repeats: int = 5) -> tuple[float, list[float], int]:
    with create_engine(settings) as engine:
        started = time.perf_counter()
        rows = daily_activity(engine, since=START.date(), until=date(2026, 11, 1),
                              zone="Asia/Shanghai")
        first = time.perf_counter() - started
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            daily_activity(engine, since=START.date(), until=date(2026, 11, 1),
                           zone="Asia/Shanghai")
            times.append(time.perf_counter() - started)
    return first, times, len(rows)


def _scratch_pg() -> tuple[str, str]:
    name = f"datong_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_dsn(_pg_admin_url()), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    return name, make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)


def _drop_pg(name: str) -> None:
    with psycopg.connect(_dsn(_pg_admin_url()), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def bench_store(store: str, n: int, workdir: Path) -> list[dict[str, Any]]:
    """Load n events into one state store, sync them to a fresh lake, query it."""
    pg_name, url = _scratch_pg() if store == "postgres" else (None, "")
    settings = Settings(env="test", data_dir=workdir / store, database_url=url,
                        sqlite_synchronous="NORMAL", lake_sync_interval=0)
    try:
        engine = open_store(settings)
        load = _load(engine, n)
        engine.dispose()
        sync = _timed_sync(settings)
        first, times, days = _query_times(settings)
    finally:
        if pg_name:
            _drop_pg(pg_name)
    return [
        {"bench": "lake_load", "store": store, "events": n, "seconds": round(load, 2),
         "events_per_s": round(n / load)},
        {"bench": "lake_sync", "store": store, "events": sync["rows"], "files": sync["files"],
         "seconds": sync["seconds"], "events_per_s": round(sync["rows"] / sync["seconds"]),
         "cpu_seconds": sync["cpu_seconds"], "noop_resync_seconds": sync["noop_seconds"],
         "rss_before_mb": sync["rss_before_mb"], "peak_rss_mb": sync["peak_rss_mb"]},
        {"bench": "daily_activity", "engine": "duckdb", "store": store, "events": n,
         "days": days, "first_seconds": round(first, 3),
         "median_seconds": round(statistics.median(times), 3)},
    ]


def _table(results: list[dict[str, Any]]) -> str:
    lines = [f"{'measure':<16}{'store':<10}{'events':>10}{'seconds':>10}{'events/s':>12}  notes",
             "-" * 78]
    for r in results:
        seconds = r.get("seconds", r.get("median_seconds"))
        rate = f"{r['events_per_s']:,}" if "events_per_s" in r else ""
        notes = (f"{r['files']} files, CPU {r['cpu_seconds']}s, no-op re-sync "
                 f"{r['noop_resync_seconds']}s, RSS {r['rss_before_mb']}→{r['peak_rss_mb']} MB"
                 if r["bench"] == "lake_sync" else
                 f"{r['days']} day×channel rows, first run {r['first_seconds']}s"
                 if r["bench"] == "daily_activity" else "executemany")
        lines.append(f"{r['bench']:<16}{r['store']:<10}{r['events']:>10,}{seconds:>10}"
                     f"{rate:>12}  {notes}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="datong-lake-bench-"))
    results: list[dict[str, Any]] = []
    try:
        for store in args.stores.split(","):
            for result in bench_store(store, args.events, workdir):
                print(json.dumps(result), flush=True)
                results.append(result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(_table(results))


if __name__ == "__main__":
    main()
