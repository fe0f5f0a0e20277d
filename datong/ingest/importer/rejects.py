"""The reject file: one CSV row per rejected line with file, line, field, reason and its values."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from datong.ingest.importer.arrays import LINE, int_array, string_array
from datong.ingest.importer.csvfile import Broken
from datong.ingest.importer.expressions import ident, literal

HEADER = ("file", "line", "field", "reason")


def write_rejects(*, con: duckdb.DuckDBPyConnection, path: Path, file_label: str,
                  columns: list[str], broken: list[Broken]) -> None:
    """Write the plan's `rejects` and the broken CSV records, in line order, to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A data column called e.g. "line" must not shadow the reject file's own columns.
    out = [(c, f"raw_{c}" if c in HEADER else c) for c in columns]
    bad = ", ".join(f"CAST(s.{ident(c)} AS VARCHAR) AS {ident(name)}" for c, name in out)
    label = literal(file_label)
    query = (f"SELECT {label} AS file, r.line, r.field, r.reason, {bad} FROM rejects r "
             f"JOIN src s ON s.{LINE} = r.line")
    if broken:
        con.register("broken", _broken_table(len(columns), broken))
        torn = ", ".join(f"b.c{i} AS {ident(name)}" for i, (_, name) in enumerate(out))
        query += f" UNION ALL SELECT {label}, b.line, '', b.reason, {torn} FROM broken b"
    con.execute(f"COPY ({query} ORDER BY line) TO {literal(str(path))} (HEADER, DELIMITER ',')")


def _broken_table(width: int, broken: list[Broken]) -> pa.Table:
    """The broken records, their values cut or padded (with "") to the header's width."""
    padded = [(b.values + [""] * width)[:width] for b in broken]
    arrays = [int_array(np.array([b.line for b in broken])),
              string_array([_reason(b, width) for b in broken])]
    arrays += [string_array([values[i] for values in padded]) for i in range(width)]
    return pa.Table.from_arrays(arrays, names=["line", "reason", *(f"c{i}" for i in
                                                                   range(width))])


def _reason(broken: Broken, width: int) -> str:
    extra = broken.values[width:]
    return broken.reason + (f"; extra values: {extra}" if extra else "")
