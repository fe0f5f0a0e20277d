"""`datong import` of the whole UCI Online Retail file into a fresh SQLite and PostgreSQL store.

    python -m bench.import_bench                       # examples/online_retail.toml, both stores
    python -m bench.import_bench --per-line            # one event per line instead of per invoice
    python -m bench.import_bench --csv                 # the same rows written out as CSV first
    python -m bench.import_bench --stores sqlite --file other.parquet --mapping other.toml

Each store is measured in a fresh process (so its peak memory is its own): the first import
into an empty store, then the same file again (every event a duplicate). PostgreSQL is a
scratch database created on DATONG_TEST_PG_URL (default postgresql+psycopg://postgres@
127.0.0.1:5432/postgres) and dropped afterwards. SQLite keeps its production durability
(synchronous=FULL). Prints one JSON line per store, then a table.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "online_retail.parquet"
MAPPING = ROOT / "examples" / "online_retail.toml"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# The stress case: every invoice line its own event (541,909 rows to insert, not 25,896).
PER_LINE = """
[event]
name = "Product Purchased"
rules = [{ column = "InvoiceNo", starts_with = "C", name = "Product Returned" }]
[identity]
user_id = { column = "CustomerID", type = "integer" }
guest_id = { template = "guest:{InvoiceNo}" }
[timestamp]
column = "InvoiceDate"
timezone = "Europe/London"
[money]
currency = "GBP"
[properties]
order_id = "InvoiceNo"
product_id = "StockCode"
name = "Description"
quantity = { column = "Quantity", type = "integer" }
price = { column = "UnitPrice", type = "money" }
country = "Country"
"""


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url)
    parsed = parsed.set(database=database) if database else parsed
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _admin(sql: str) -> None:
    admin = os.environ.get("DATONG_TEST_PG_URL", PG_ADMIN)
    with psycopg.connect(_dsn(admin), autocommit=True) as conn:
        conn.execute(sql)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(store: str, url: str, data_dir: str, file: str, mapping_path: str) -> dict[str, Any]:
    """Runs in a fresh process: migrate, create the source, import twice, report."""
    from datong.ingest.importer import import_file, load_mapping
    from datong.ingest.sources import create_source
    from datong.settings import Settings
    from datong.store.database import open_store

    settings = Settings(env="test", data_dir=Path(data_dir), database_url=url,
                        lake_sync_interval=0)
    engine = open_store(settings)
    with engine.begin() as db:
        create_source(db=db, name="online-retail", channel="online")
    mapping = load_mapping(Path(mapping_path))
    rss_before = _rss_mb()
    cpu = time.process_time()
    first = import_file(engine=engine, source="online-retail", path=Path(file), mapping=mapping,
                        rejects_dir=Path(data_dir) / "rejects")
    cpu = time.process_time() - cpu
    again = import_file(engine=engine, source="online-retail", path=Path(file), mapping=mapping,
                        rejects_dir=Path(data_dir) / "rejects")
    engine.dispose()
    return {
        "bench": "import", "store": store, "file": Path(file).name,
        "mapping": Path(mapping_path).name, "rows": first.rows_read,
        "events": first.events_built, "inserted": first.inserted, "rejected": first.rejected,
        "seconds": round(first.seconds, 2), "rows_per_s": round(first.rows_per_second),
        "cpu_seconds": round(cpu, 2), "rss_before_mb": round(rss_before),
        "peak_rss_mb": round(_rss_mb()), "reimport_seconds": round(again.seconds, 2),
        "reimport_duplicates": again.duplicates, "reimport_inserted": again.inserted,
    }


def _run(store: str, file: Path, mapping: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="datong-import-bench-") as data_dir:
        url, database = "", None
        if store == "postgres":
            database = f"datong_bench_import_{uuid.uuid4().hex[:8]}"
            _admin(f'CREATE DATABASE "{database}"')
            admin = os.environ.get("DATONG_TEST_PG_URL", PG_ADMIN)
            url = make_url(admin).set(database=database).render_as_string(hide_password=False)
        try:
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                return pool.apply(_measure, (store, url, data_dir, str(file), str(mapping)))
        finally:
            if database:
                _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _as_csv(source: Path, target: Path) -> Path:
    import duckdb

    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM read_parquet('{source}')) TO '{target}' (HEADER)")
    return target


def _table(results: list[dict[str, Any]]) -> str:
    rows = [("", *(r["store"] for r in results))]
    for label, key in (("rows read", "rows"), ("events built", "events"),
                       ("inserted", "inserted"), ("rejected rows", "rejected"),
                       ("import, s", "seconds"), ("rows/s", "rows_per_s"),
                       ("CPU of the importing process, s", "cpu_seconds"),
                       ("memory before → peak, MB", None),
                       ("re-import (all duplicates), s", "reimport_seconds")):
        if key is None:
            rows.append((label, *(f"{r['rss_before_mb']} → {r['peak_rss_mb']}" for r in results)))
        else:
            rows.append((label, *(f"{r[key]:,}" for r in results)))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True)))
                     for row in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", type=Path, default=Path(os.environ.get(
        "DATONG_SHARED_DATA", DATA.parent)) / DATA.name if "DATONG_SHARED_DATA" in os.environ
        else DATA)
    parser.add_argument("--mapping", type=Path, default=MAPPING)
    parser.add_argument("--per-line", action="store_true",
                        help="one event per line (a built-in mapping) instead of --mapping")
    parser.add_argument("--csv", action="store_true",
                        help="write the file out as CSV (DuckDB) and import that instead")
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        if args.csv:
            args.file = _as_csv(args.file, Path(scratch) / f"{args.file.stem}.csv")
        mapping = args.mapping
        if args.per_line:
            mapping = Path(scratch) / "online_retail_per_line.toml"
            mapping.write_text(PER_LINE, encoding="utf-8")
        results = []
        for store in args.stores.split(","):
            result = _run(store, args.file, mapping)
            print(json.dumps(result, ensure_ascii=False), flush=True)
            results.append(result)
    print()
    print(_table(results))


if __name__ == "__main__":
    main()
