"""/v1/batch throughput, durable, on SQLite and PostgreSQL, beside a bare baseline.

    python -m bench.ingest_bench [--batches 1500] [--size 100] [--concurrency 16]

Each run gets a fresh store; the load generator is a separate process sending pre-built
100-event batches over keep-alive connections. Figures: events/s accepted and stored,
peak resident memory of the server, and the ratio datong / bare.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import (
    PYTHON,
    FreshDatabase,
    cpu_seconds,
    free_port,
    peak_rss_mb,
    start_process,
    stop_process,
)
from datong.ingest.sources import create_source
from datong.ingest.tables import events
from datong.settings import Settings
from datong.store.database import open_store


def _prepare(url: str, data_dir: Path) -> tuple[Settings, str, int]:
    settings = Settings(env="test", data_dir=data_dir, database_url=url, lake_sync_interval=0)
    engine = open_store(settings)
    with engine.begin() as db:
        source, key = create_source(db=db, name="bench", channel="online")
    engine.dispose()
    return settings, key, source.id


def _stored(settings: Settings) -> int:
    engine = open_store(settings)
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    engine.dispose()
    return count


def _load(port: int, key: str, batches: int, size: int, concurrency: int) -> dict[str, Any]:
    out = subprocess.run(
        [PYTHON, "-m", "bench.loadgen", str(port), key, str(batches), str(size), str(concurrency)],
        capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stderr[-2000:]}")
    return dict(json.loads(out.stdout))


def _server(kind: str, settings: Settings, source_id: int, port: int, log: Path) -> Any:
    if kind == "datong":
        args = [PYTHON, "-m", "datong", "serve", "--port", str(port), "--log-level", "warning"]
        env = {"DATONG_DATA_DIR": str(settings.data_dir),
               "DATONG_DATABASE_URL": settings.database_url, "DATONG_LAKE_SYNC_INTERVAL": "0"}
    else:
        args = [PYTHON, "-m", "uvicorn", "bench.bare_app:app", "--port", str(port),
                "--log-level", "warning", "--no-access-log"]
        env = {"BARE_DATABASE_URL": settings.sqlalchemy_url, "BARE_SOURCE_ID": str(source_id)}
    return start_process(args, env, f"http://127.0.0.1:{port}/healthz", log)


def run_one(kind: str, backend: str, opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    database = FreshDatabase.create() if backend == "postgresql" else None
    data_dir = workdir / f"{kind}-{backend}"
    try:
        settings, key, source_id = _prepare(database.url if database else "", data_dir)
        port = free_port()
        proc = _server(kind, settings, source_id, port, workdir / f"{kind}-{backend}.log")
        try:
            _load(port, key, 20, opts.size, 4)  # warm-up
            cpu_before = cpu_seconds(proc.pid)
            result = _load(port, key, opts.batches, opts.size, opts.concurrency)
            cpu = cpu_seconds(proc.pid) - cpu_before
            rss = peak_rss_mb(proc.pid)
        finally:
            stop_process(proc)
        sent = (opts.batches + 20) * opts.size
        stored = _stored(settings)
        return {
            "bench": "ingest_batch", "server": kind, "backend": backend,
            "events": opts.batches * opts.size, "batch_size": opts.size,
            "concurrency": opts.concurrency, "seconds": round(result["seconds"], 3),
            "events_per_s": round(opts.batches * opts.size / result["seconds"]),
            "non_200": {k: v for k, v in result.items() if k.startswith("status_")},
            "stored_all": stored == sent, "peak_rss_mb": round(rss, 1),
            # The server's own CPU per event: what the figure would be on an idle core.
            "server_cpu_s": round(cpu, 2),
            "events_per_cpu_s": round(opts.batches * opts.size / cpu) if cpu else None,
        }
    finally:
        if database:
            database.drop()


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=1500)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backends", default="sqlite,postgresql")
    opts = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="datong-bench-") as tmp:
        print(f"work dir {tmp}", flush=True)
        for backend in opts.backends.split(","):
            for kind in ("datong", "bare"):
                result = run_one(kind, backend, opts, Path(tmp))
                print(json.dumps(result), flush=True)
                results.append(result)
    _table(results)
    return results


def _table(results: list[dict[str, Any]]) -> None:
    print(f"\n{'backend':<11} {'server':<7} {'events/s':>9} {'ratio':>6} {'ev/cpu-s':>9} "
          f"{'peak RSS':>9} stored")
    bare = {r["backend"]: r["events_per_s"] for r in results if r["server"] == "bare"}
    for r in results:
        ratio = r["events_per_s"] / bare[r["backend"]] if bare.get(r["backend"]) else float("nan")
        print(f"{r['backend']:<11} {r['server']:<7} {r['events_per_s']:>9} {ratio:>6.2f} "
              f"{r['events_per_cpu_s'] or '-':>9} "
              f"{r['peak_rss_mb']:>7} MB {'all' if r['stored_all'] else 'MISSING'}")


if __name__ == "__main__":
    main()
