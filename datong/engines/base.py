"""The one interface analytics code uses, whichever engine runs it.

Domain code builds Ibis expressions on `events()` and runs them with `execute`, or writes SQL
once in `SQL_DIALECT` and runs it with `sql`. Either way the engine receives SQL in its own
dialect: Ibis compiles the expressions, SQLGlot transpiles the SQL. What differs between
engines lives in their classes: a session, exposing the lake's files as the `events` table,
running SQL, and the few primitives Ibis does not compile portably (a time zone's local date,
connected components of a graph).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cache, lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Self

from datong.errors import Invalid
from datong.lake.layout import events_root, live_parts

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

SQL_DIALECT = "duckdb"  # the dialect datong's own SQL is written in


@cache
def _events_table() -> ir.Table:
    import ibis
    import pyarrow as pa

    from datong.lake.schema import EVENTS_SCHEMA

    schema = EVENTS_SCHEMA.append(pa.field("date", pa.date32()))  # the partition column
    return ibis.table(ibis.Schema.from_pyarrow(schema), name="events")


@lru_cache(maxsize=512)
def _transpiled(query: str, read: str, write: str) -> str:
    """One query from dialect `read` into `write`; remembered, since reports send the same
    texts again and parsing costs more than running them on small data."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    try:
        parsed = sqlglot.parse(query, read=read)
    except ParseError as error:
        raise Invalid(f"the query does not parse as {read} SQL: {error}") from None
    if len(parsed) != 1 or not isinstance(parsed[0], exp.Query):
        raise Invalid("sql() runs exactly one query (SELECT, WITH ..., UNION ...)")
    return parsed[0].sql(dialect=write)


class AnalyticsEngine(ABC):
    """An analytics engine over the lake in `lake_dir`; use it as a context manager."""

    name: ClassVar[str]
    dialect: ClassVar[str]  # the SQLGlot dialect the engine speaks

    def __init__(self, lake_dir: Path) -> None:
        self.lake_dir = lake_dir

    @abstractmethod
    def connect(self) -> None:
        """Open the engine's session; calling it again does nothing."""

    @abstractmethod
    def close(self) -> None:
        """Release the session; the engine may be connected again later."""

    @abstractmethod
    def local_date(self, timestamp: ir.TimestampValue, zone: str) -> ir.DateValue:
        """The calendar date of a UTC timestamp in the time zone `zone`."""

    @abstractmethod
    def connected_components(self, edges: pa.Table) -> pa.Table:
        """The connected components of the undirected graph whose edges are the int64 columns
        `src` and `dst`: a table (node int64, component int64) with one row per node of an
        edge, where component is the smallest node id in the component, so that every engine
        gives the same table for the same graph (rows in any order)."""

    @abstractmethod
    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table (rows moved from the state store, say) queryable as `name` in
        this session, beside `events`, until the session closes."""

    @abstractmethod
    def _expose(self, files: list[Path]) -> None:
        """Make `events` name these Parquet files (hive-partitioned by `date`) in the session."""

    @abstractmethod
    def _materialize(self, name: str, query: str) -> None:
        """Run a query in the engine's own dialect and keep its result as table `name`."""

    @abstractmethod
    def _run_sql(self, query: str) -> pa.Table:
        """Run one query written in this engine's own dialect."""

    def events(self) -> ir.Table:
        """The mirrored event log as it is on disk now, with its `date` partition column."""
        self._expose([part.path for part in live_parts(events_root(self.lake_dir))])
        return _events_table()

    def execute(self, expr: ir.Expr) -> pa.Table:
        """Run an expression built on `events()`; a column or scalar comes back as a table
        whose column types are the ones the expression declares, on every engine."""
        import ibis

        table = expr if isinstance(expr, ibis.Table) else expr.as_table()
        result = self._run_sql(ibis.to_sql(table, dialect=self.dialect))
        return result.cast(table.schema().to_pyarrow())

    def sql(self, query: str, *, dialect: str = SQL_DIALECT, fresh: bool = True) -> pa.Table:
        """Run one query over the `events` table, written in `dialect` and transpiled to the
        engine's own with SQLGlot. `fresh=False` skips listing the lake again, for a series of
        queries over tables `keep` made from it."""
        own = self._transpile(query, dialect)
        if fresh:
            self.events()  # so that `events` names the lake as it is now
        return self._run_sql(own)

    def keep(self, name: str, query: str, *, dialect: str = SQL_DIALECT) -> None:
        """Run one query once and keep its rows in the session as the table `name`, so that
        several later queries read them instead of scanning the lake again."""
        own = self._transpile(query, dialect)
        self.events()
        self._materialize(name, own)

    def _transpile(self, query: str, dialect: str) -> str:
        return _transpiled(query, dialect, self.dialect)

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
