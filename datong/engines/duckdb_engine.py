"""DuckDB, embedded: the default engine. It reads the lake's Parquet files where they lie."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from datong.engines.base import AnalyticsEngine
from datong.engines.components import components_in_memory
from datong.lake.schema import EVENTS_SCHEMA


@cache
def _at_zone() -> Callable[..., ir.TimestampValue]:
    # DuckDB's timezone(zone, timestamptz) gives the wall-clock time in `zone`.
    def timezone(zone: str, timestamp: Any) -> Any: ...

    return ibis.udf.scalar.builtin(
        timezone, name="timezone",
        signature=((dt.string, dt.Timestamp(timezone="UTC")), dt.Timestamp()),
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine(AnalyticsEngine):
    """An in-memory DuckDB session whose `events` view lists the lake's live part files."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, lake_dir: Path) -> None:
        super().__init__(lake_dir)
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._exposed: list[Path] | None = None  # the files `events` names now

    def connect(self) -> None:
        if self._duck is None:
            self._duck = duckdb.connect(":memory:")
            self._duck.execute("SET TimeZone = 'UTC'")  # TIMESTAMPTZ → DATE gives UTC dates

    def close(self) -> None:
        if self._duck is not None:
            self._duck.close()
        self._duck = None
        self._exposed = None

    def _session(self) -> duckdb.DuckDBPyConnection:
        self.connect()
        assert self._duck is not None
        return self._duck

    def local_date(self, timestamp: ir.TimestampValue, zone: str) -> ir.DateValue:
        return _at_zone()(zone, timestamp).date()

    def connected_components(self, edges: pa.Table) -> pa.Table:
        # DuckDB has no graph kernel, and label propagation in SQL needs a join per round (see
        # docs/identity.md); in process, the edges' Arrow buffers go to scipy's C kernel as is.
        return components_in_memory(edges)

    def register(self, name: str, table: pa.Table) -> None:
        self._session().register(name, table)  # zero-copy: DuckDB scans the Arrow buffers

    def _expose(self, files: list[Path]) -> None:
        duck = self._session()
        if files == self._exposed:  # binding the view reads every file's footer: only anew
            return
        self._exposed = list(files)
        if not files:
            empty = EVENTS_SCHEMA.append(pa.field("date", pa.date32())).empty_table()
            duck.register("_no_events", empty)
            duck.execute("CREATE OR REPLACE VIEW events AS SELECT * FROM _no_events")
            return
        listing = ", ".join(_quote(str(f)) for f in files)
        duck.execute(
            f"CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet([{listing}], "
            "hive_partitioning = true, hive_types = {'date': DATE})"
        )

    def _materialize(self, name: str, query: str) -> None:
        self._session().execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {query}')

    def _run_sql(self, query: str) -> pa.Table:
        try:
            return self._session().sql(query).to_arrow_table()
        except duckdb.IOException:
            # A lake sync merged away a file between listing and reading it: list again, once.
            self.events()
            return self._session().sql(query).to_arrow_table()
