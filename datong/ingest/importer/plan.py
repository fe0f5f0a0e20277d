"""The import as DuckDB tables over the file's Arrow table: checked lines, events, rejects.

`lines` holds every row's mapped values and what is wrong with it (see lines.py); the events
come from its good lines (one per line, or one per order), the rejects from its bad lines and
the orders they spoil. Nothing leaves DuckDB row by row until events are handed out in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from datong.errors import Invalid
from datong.ingest.importer import expressions as sql
from datong.ingest.importer.lines import MESSAGE_PREFIX, LineQuery, members
from datong.ingest.importer.mapping import Mapping
from datong.ingest.importer.reader import LINE, Loaded

__all__ = ["MESSAGE_PREFIX", "Plan"]


class Plan:
    """Owns an in-memory DuckDB holding the file; build it, read counts and batches, close."""

    def __init__(self, loaded: Loaded, mapping: Mapping) -> None:
        self.mapping = mapping
        cols = sql.Columns(loaded.table.schema, mapping.path, loaded.path.name)
        query = LineQuery(mapping, cols, loaded.columns)
        self.layout = query.layout
        self.con = duckdb.connect()
        try:
            self.con.execute(f"SET TimeZone = {sql.literal(mapping.timestamp.timezone)}")
            self.con.register("src", cols.with_texts(loaded.table))
            self._check_patterns()
            for name, select in (("lines", query.lines()), ("rejects", self._rejects()),
                                 ("out", self._events())):
                self.con.execute(f"CREATE TEMP TABLE {name} AS {select}")
            self.con.execute("DROP TABLE lines")  # all that is left to read is in the others
        except BaseException:
            self.con.close()
            raise

    def close(self) -> None:
        self.con.close()

    def counts(self) -> tuple[int, int, int]:
        """(events built, rows in them, rejected rows)."""
        events, rows = self._one("SELECT count(*), coalesce(sum(__lines), 0) FROM out")
        return int(events), int(rows), int(self._one("SELECT count(*) FROM rejects")[0])

    def events(self, batch_size: int) -> Iterator[pa.RecordBatch]:
        """The events in file order, `batch_size` at a time."""
        yield from self.con.sql(f"SELECT * FROM out ORDER BY {LINE}").to_arrow_reader(batch_size)

    def _one(self, query: str) -> tuple[Any, ...]:
        return tuple(self.con.sql(query).fetchall()[0])

    def _check_patterns(self) -> None:
        """Formats and patterns DuckDB would refuse mid-query fail here, named in the mapping."""
        checks = [(r.key, f"regexp_matches('', {sql.literal(r.operand)})")
                  for r in self.mapping.rules if r.op == "matches"]
        fmt = self.mapping.timestamp.format
        if fmt and "%" in fmt:
            checks.append(("timestamp.format", f"try_strptime('', {sql.literal(fmt)})"))
        for key, probe in checks:
            try:
                self.con.sql(f"SELECT {probe}").fetchall()
            except duckdb.Error as exc:
                raise Invalid(f"{self.mapping.path}: {key}: {exc}", field=key) from None

    def _events(self) -> str:
        """One row per event, its properties and traits as JSON text."""
        m, layout = self.mapping, self.layout
        props = members(m.properties, dict(layout.properties))
        if m.order is not None:
            computed = [("order_id", layout.order_id, False), ("total", layout.total, False),
                        ("products", "__products", True)]
            props += [(key, column, None, is_json) for key, column, is_json in computed if column]
        if m.order is not None or any(f.type == "money" for f in m.properties.values()):
            props.append(("currency", None, m.money.currency, False))
        traits = members(m.traits, dict(layout.traits))
        return (f"SELECT {LINE}, __lines, __mid, __event, __user, __anon, __ts, "
                f"{sql.json_object(props)} AS __properties, {sql.json_object(traits)} AS __traits "
                f"FROM ({self._per_event()})")

    def _per_event(self) -> str:
        layout = self.layout
        columns = ["__event", "__user", "__anon", "__ts", *(c for c in [layout.order_id] if c)]
        columns += [c for _, c in layout.properties + layout.traits]
        if not layout.group:
            products = "'[' || __product || ']'" if self.mapping.order else "NULL"
            return (f"SELECT {LINE}, 1 AS __lines, __mid, {', '.join(columns)}, {self._total()}, "
                    f"{products} AS __products FROM lines WHERE __reasons = ''")
        key = ", ".join(layout.group)
        mid = (f"{sql.literal(MESSAGE_PREFIX)} || left(sha256(to_json(list_value("
               f"{sql.literal(self.mapping.type)}, {key}))), 40) AS __mid")
        # Order-level values come from the first line of the order that has one; the products
        # are sorted by line after aggregating, cheaper than an ordered aggregate.
        firsts = [f"arg_min({c}, {LINE}) AS {c}" for c in columns]
        products = (f"'[' || array_to_string(list_transform(list_sort(list({{'l': {LINE}, "
                    f"'p': __product}})), lambda x: x.p), ',') || ']' AS __products")
        return (f"SELECT min({LINE}) AS {LINE}, count(*) AS __lines, {mid}, {', '.join(firsts)}, "
                f"{self._total(grouped=True)}, {products} FROM lines GROUP BY {key} "
                f"HAVING bool_and(__reasons = '')")

    def _total(self, *, grouped: bool = False) -> str:
        """The mapped total, or the sum of quantity × price over the order's lines."""
        layout = self.layout
        if layout.mapped_total:
            return f"arg_min(__total, {LINE}) AS __total" if grouped else "__total"
        if layout.total is None:
            return "NULL AS __total"
        total = "sum(__line_total)" if grouped else "__line_total"
        return f"TRY_CAST({total} AS BIGINT) AS __total"

    def _bad_groups(self) -> str:
        key = ", ".join(self.layout.group)
        return (f"SELECT {key}, count(*) AS __n, list({LINE} ORDER BY {LINE})[1:10] AS __some "
                f"FROM lines WHERE __reasons <> '' GROUP BY {key}")

    def _rejects(self) -> str:
        """Bad lines with their problems; with orders, also the good lines of spoiled orders."""
        group = self.layout.group
        if not group:
            return (f"SELECT {LINE} AS line, __fields AS field, __reasons AS reason FROM lines "
                    f"WHERE __reasons <> ''")
        assert self.mapping.order is not None
        on = " AND ".join(f"l.{g} IS NOT DISTINCT FROM b.{g}" for g in group)
        order_key = " || ' / ' || ".join(f"coalesce(l.{g}, '')" for g in group)
        blame = sql.literal("+".join(self.mapping.order.group_by))
        spoiled = (f"'order.group_by: the order ' || {order_key} || ' is rejected with its bad "
                   f"line(s) ' || array_to_string(b.__some, ', ') || CASE WHEN b.__n > 10 "
                   f"THEN ', …' ELSE '' END")
        return (f"SELECT l.{LINE} AS line, CASE WHEN l.__reasons <> '' THEN l.__fields ELSE "
                f"{blame} END AS field, CASE WHEN l.__reasons <> '' THEN l.__reasons ELSE "
                f"{spoiled} END AS reason FROM lines l JOIN ({self._bad_groups()}) b ON {on}")
