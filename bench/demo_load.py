"""How long `datong demo` takes per size and state store, and where the time goes.

    python -m bench.demo_load                          # small, SQLite and PostgreSQL
    python -m bench.demo_load --size medium --stores sqlite
    python -m bench.demo_load --size large --generate-only

PostgreSQL is reached at DATONG_BENCH_PG_URL (else DATONG_TEST_PG_URL, else the local server
`make test` starts); a scratch database is created and dropped. Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from datong.demo.generate import build_world, iter_chunks, parse_size
from datong.demo.loader import load_demo
from datong.settings import Settings
from datong.store.database import open_store

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
END = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def _admin_url() -> str:
    return os.environ.get("DATONG_BENCH_PG_URL", os.environ.get("DATONG_TEST_PG_URL", DEFAULT_PG))


def _admin(sql: str) -> None:
    dsn = make_url(_admin_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def generate_only(size: str, seed: int) -> dict[str, Any]:
    """Simulate and compose every message without storing any: the generator's own cost."""
    began = time.perf_counter()
    world = build_world(parse_size(size), seed, END)
    built = time.perf_counter() - began
    messages = sum(len(chunk) for _, chunk in iter_chunks(world))
    seconds = time.perf_counter() - began
    return {"size": size, "store": "none", "activities": len(world.activities),
            "messages": messages, "simulate_s": round(built, 2), "seconds": round(seconds, 1),
            "messages_per_s": round(messages / seconds)}


def load(size: str, seed: int, store: str, workdir: Path) -> dict[str, Any]:
    name = None
    url = ""
    if store == "postgres":
        name = f"datong_bench_demo_{uuid.uuid4().hex[:8]}"
        _admin(f'CREATE DATABASE "{name}"')
        url = make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)
    settings = Settings(env="test", data_dir=workdir / store, database_url=url)
    engine = open_store(settings)
    try:
        _, report = load_demo(engine=engine, size=size, seed=seed, end=END)
    finally:
        engine.dispose()
        if name is not None:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "size": size, "store": store, "customers": report.customers,
        "activities": report.activities, "messages": report.messages,
        "inserted": report.inserted, "setup_s": round(report.setup_seconds, 1),
        "seconds": round(report.seconds, 1), "messages_per_s": round(report.per_second),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args(argv)
    if args.generate_only:
        print(json.dumps(generate_only(args.size, args.seed)), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="datong-demo-bench-") as tmp:
        for store in args.stores:
            print(json.dumps(load(args.size, args.seed, store, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
