"""Many rows in one PostgreSQL statement: each column travels as one binary array parameter
and `unnest` turns the arrays back into rows.

For the ingest hot path. A temporary table to COPY into costs about a millisecond per
transaction whatever it holds (creating it, or emptying it at commit) and three more round
trips; arrays cost neither. Strings are sent as `text` (the target column still checks its
length), JSON as its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql

_DIALECT = postgresql.dialect()


@lru_cache(maxsize=256)
def _array_type(table: Table, column: str) -> str:
    name = str(table.c[column].type.compile(dialect=_DIALECT))
    return "text" if "CHAR" in name or name == "TEXT" else name.lower()


def unnest(table: Table, columns: Sequence[str]) -> str:
    """`unnest(%b::type[], …)` for these columns of `table`, in order: rows of them."""
    return "unnest(" + ", ".join(f"%b::{_array_type(table, c)}[]" for c in columns) + ")"


def column_arrays(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows of `width` values → one list per column (the parameters of `unnest`)."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]
