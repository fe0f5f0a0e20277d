"""Profile lookup over HTTP with a million persons: p50/p99 of GET /api/v1/profiles/{key}.

    python -m bench.profile_lookup_bench [--persons 1000000] [--requests 20000]
        [--concurrency 1,8] [--backends sqlite,postgresql]

For each backend: a fresh state store with `--persons` persons written in bulk (see
bench/profile_world.py), a real `datong serve` process, and a separate load-generator
process (bench/lookup_load.py) that asks for random persons by phone as a clerk types it
("139 0001 2345": normalised on every request), by user id, and by person id, over
keep-alive connections. Latency is measured by the client, request sent → answer read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import profile_world
from bench.common import PYTHON, FreshDatabase, free_port, peak_rss_mb, start_process, stop_process
from datong.auth.tokens import create_token
from datong.settings import Settings
from datong.store.database import open_store


def _prepare(url: str, data_dir: Path, count: int) -> tuple[Settings, str, float]:
    settings = Settings(env="test", data_dir=data_dir, database_url=url, lake_sync_interval=0)
    engine = open_store(settings)
    started = time.perf_counter()
    profile_world.load(engine, count)
    loaded = time.perf_counter() - started
    with engine.begin() as db:
        token = create_token(db=db, name="bench", role="marketer")
    engine.dispose()
    return settings, token, loaded


def _load(port: int, token: str, opts: argparse.Namespace, concurrency: int) -> dict[str, Any]:
    out = subprocess.run(
        [PYTHON, "-m", "bench.lookup_load", str(port), token, str(opts.persons),
         str(opts.requests), str(concurrency)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stderr[-2000:]}")
    return dict(json.loads(out.stdout))


def run_one(backend: str, opts: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    database = FreshDatabase.create() if backend == "postgresql" else None
    try:
        settings, token, loaded = _prepare(database.url if database else "",
                                           workdir / backend, opts.persons)
        port = free_port()
        env = {"DATONG_DATA_DIR": str(settings.data_dir),
               "DATONG_DATABASE_URL": settings.database_url, "DATONG_LAKE_SYNC_INTERVAL": "0"}
        proc = start_process([PYTHON, "-m", "datong", "serve", "--port", str(port),
                              "--log-level", "warning"], env,
                             f"http://127.0.0.1:{port}/healthz", workdir / f"{backend}.log")
        try:
            _load(port, token, argparse.Namespace(**{**vars(opts), "requests": 500}), 2)
            results = []
            for concurrency in (int(c) for c in opts.concurrency.split(",")):
                found = _load(port, token, opts, concurrency)
                results.append({"bench": "profile_lookup", "backend": backend,
                                "persons": opts.persons, "load_seconds": round(loaded, 1),
                                "concurrency": concurrency, **found,
                                "server_peak_rss_mb": round(peak_rss_mb(proc.pid), 1)})
        finally:
            stop_process(proc)
        return results
    finally:
        if database:
            database.drop()


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--backends", default="sqlite,postgresql")
    opts = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="datong-bench-") as tmp:
        for backend in opts.backends.split(","):
            for result in run_one(backend, opts, Path(tmp)):
                print(json.dumps(result), flush=True)
                results.append(result)
    print(f"\n{'backend':<11} {'conc':>4} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} "
          f"{'p99 ms':>7} {'max ms':>7} {'non-200':>7}")
    for r in results:
        print(f"{r['backend']:<11} {r['concurrency']:>4} {r['requests_per_s']:>7} "
              f"{r['p50_ms']:>7} {r['p90_ms']:>7} {r['p99_ms']:>7} {r['max_ms']:>7} "
              f"{r['non_200']:>7}")
    return results


if __name__ == "__main__":
    main()
