"""The real UCI Online Retail data (a 20,000-row sample) through examples/online_retail.toml."""

from __future__ import annotations

import os
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select

from datong.ingest.importer import import_file, load_mapping
from datong.ingest.tables import events
from tests.conftest import SHARED_DATA, Cast

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "online_retail.toml"
SAMPLE_ROWS = 20_000


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The file's first rows as Parquet (types kept: floats, naive timestamps) and as CSV."""
    source = Path(os.environ.get("DATONG_SHARED_DATA", SHARED_DATA)) / "online_retail.parquet"
    if not source.exists():
        pytest.fail(f"the shared data file {source} is missing")
    folder = tmp_path_factory.mktemp("retail")
    paths = {"parquet": folder / "sample.parquet", "csv": folder / "sample.csv"}
    pq.write_table(pq.ParquetFile(source).read().slice(0, SAMPLE_ROWS), paths["parquet"])
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM '{paths['parquet']}') TO '{paths['csv']}' (HEADER)")
    return paths


def expected_orders(path: Path) -> dict[str, dict[str, Any]]:
    """What each invoice should become, computed independently with Decimal in Python."""
    orders: dict[str, dict[str, Any]] = defaultdict(lambda: {"total": 0, "lines": 0})
    for row in pq.read_table(path).to_pylist():
        order = orders[row["InvoiceNo"]]
        # repr() is the float's shortest round-trip text: 2.55, not 2.54999...
        order["total"] += int(Decimal(repr(row["UnitPrice"])) * 100) * row["Quantity"]
        order["lines"] += 1
        order.setdefault("user_id", None if row["CustomerID"] is None
                         else str(int(row["CustomerID"])))
    return orders


def stored_orders(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(events)).mappings().all()
    return {r["properties"]["order_id"]: dict(r) for r in rows}


def test_the_sample_imports_exactly(engine: Engine, cast: Cast, sample: dict[str, Path],
                                    tmp_path: Path) -> None:
    mapping = load_mapping(EXAMPLE)
    summary = import_file(engine=engine, source="app", path=sample["parquet"], mapping=mapping,
                          rejects_dir=tmp_path)
    expected = expected_orders(sample["parquet"])
    assert summary.rows_read == SAMPLE_ROWS and summary.rejected == 0
    assert summary.events_built == summary.inserted == len(expected) == 938
    stored = stored_orders(engine)
    assert {k: v["properties"]["total"] for k, v in stored.items()} == {
        k: v["total"] for k, v in expected.items()}
    assert {k: v["user_id"] for k, v in stored.items()} == {
        k: v["user_id"] for k, v in expected.items()}
    first = stored["536365"]
    assert first["event"] == "Order Completed" and first["user_id"] == "17850"
    assert first["properties"]["products"][0] == {
        "product_id": "85123A", "name": "WHITE HANGING HEART T-LIGHT HOLDER", "quantity": 6,
        "price": 255}
    assert first["properties"]["country"] == "United Kingdom"
    assert first["timestamp"].isoformat() == "2010-12-01T08:26:00+00:00"  # GMT in December
    refunds = [v for v in stored.values() if v["event"] == "Order Refunded"]
    assert len(refunds) == 104 and all(v["properties"]["order_id"][0] == "C" for v in refunds)
    guests = [v for v in stored.values() if v["user_id"] is None]
    assert guests and all(v["anonymous_id"] == "guest:" + v["properties"]["order_id"]
                          for v in guests)


def test_the_csv_export_of_the_same_orders_adds_nothing(
    engine: Engine, cast: Cast, sample: dict[str, Path], tmp_path: Path
) -> None:
    mapping = load_mapping(EXAMPLE)
    first = import_file(engine=engine, source="app", path=sample["csv"], mapping=mapping,
                        rejects_dir=tmp_path)
    assert first.rows_read == SAMPLE_ROWS and first.inserted == 938
    stored = stored_orders(engine)
    assert stored["536365"]["context"]["import"] == {
        "file": "sample.csv", "line": 2, "lines": 7, "run": first.run_id}
    assert stored["536365"]["user_id"] == "17850"  # the CSV says 17850.0
    again = import_file(engine=engine, source="app", path=sample["parquet"], mapping=mapping,
                        rejects_dir=tmp_path)
    assert (again.inserted, again.duplicates) == (0, 938)
