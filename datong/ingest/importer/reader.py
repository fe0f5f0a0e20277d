"""Reads a CSV or Parquet export into one Arrow table, each row tagged with where it came from.

`__line` is the physical line a CSV record starts on (the header is line 1, a quoted value
spanning lines counts them all; see csvfile.py) or, for Parquet, the 1-based row number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from datong.errors import Invalid
from datong.ingest.importer.arrays import LINE, int_array
from datong.ingest.importer.csvfile import Broken, check_names, read_csv
from datong.ingest.importer.mapping import FileOptions

__all__ = ["LINE", "Broken", "Loaded", "file_format", "read_file", "sha256_file"]


@dataclass
class Loaded:
    path: Path
    format: str
    table: pa.Table
    broken: list[Broken] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.table.num_rows + len(self.broken)

    @property
    def columns(self) -> list[str]:
        return [name for name in self.table.column_names if name != LINE]


def file_format(path: Path, options: FileOptions) -> str:
    if options.format is not None:
        return options.format
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    raise Invalid(f"{path}: cannot tell the format from the name; set file.format in the mapping",
                  field="file.format")


def read_file(path: Path, options: FileOptions) -> Loaded:
    """The whole file as an Arrow table with a `__line` column, plus any broken CSV records."""
    if not path.is_file():
        raise Invalid(f"{path}: no such file", field="file")
    fmt = file_format(path, options)
    if fmt == "parquet":
        loaded = Loaded(path, fmt, _read_parquet(path))
    else:
        loaded = Loaded(path, fmt, *read_csv(path, options))
    pa.default_memory_pool().release_unused()  # the decoding buffers, tens of MB
    return loaded


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _read_parquet(path: Path) -> pa.Table:
    try:
        table = pq.ParquetFile(path).read()
    except (pa.ArrowInvalid, OSError) as exc:
        raise Invalid(f"{path}: not a readable Parquet file: {exc}", field="file") from None
    check_names(path, table.column_names)
    return table.append_column(LINE, int_array(np.arange(1, table.num_rows + 1)))
