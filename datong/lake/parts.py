"""Writing one chunk of events into its date partitions, durably and all or nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from datong.lake.layout import PartFile, fsync_dirs, live_parts, part_path, tmp_path
from datong.lake.schema import event_dates

COMPRESSION = "zstd"


@dataclass(frozen=True)
class Sizing:
    """When a date's small files are merged: once `merge_files` of them (each smaller than
    `part_rows` rows) would sit at the end of its partition, they are rewritten as one."""

    part_rows: int = 200_000
    merge_files: int = 8


@dataclass
class PartIndex:
    """The live part files of one mirror by date, kept in step with what a sync writes."""

    root: Path
    by_day: dict[str, list[PartFile]] = field(default_factory=dict)
    rows: dict[Path, int] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> PartIndex:
        index = cls(root)
        for part in live_parts(root):
            index.by_day.setdefault(part.day, []).append(part)
        return index

    @property
    def mark(self) -> int:
        return max((p.hi for parts in self.by_day.values() for p in parts), default=0)

    def small_run(self, day: str, part_rows: int) -> list[PartFile]:
        """The date's newest files that each hold fewer than `part_rows` rows, oldest first."""
        run: list[PartFile] = []
        for part in sorted(self.by_day.get(day, []), key=lambda p: p.hi, reverse=True):
            if self.row_count(part) >= part_rows:
                break
            run.append(part)
        return run[::-1]

    def row_count(self, part: PartFile) -> int:
        if part.path not in self.rows:
            self.rows[part.path] = pq.read_metadata(part.path).num_rows
        return self.rows[part.path]

    def swap(self, old: list[PartFile], new: PartFile, rows: int) -> None:
        parts = self.by_day.setdefault(new.day, [])
        for part in old:
            parts.remove(part)
            self.rows.pop(part.path, None)
        parts.append(new)
        self.rows[new.path] = rows


@dataclass(frozen=True)
class _Staged:
    part: PartFile
    tmp: Path
    rows: int
    merged: list[PartFile]


def split_by_day(table: pa.Table) -> Iterator[tuple[str, pa.Table]]:
    """The table's rows grouped by UTC event date, id order kept within each date."""
    dates = event_dates(table)
    order = pc.sort_indices(dates)  # stable: rows come in id order and stay so per date
    table, dates = table.take(order), dates.take(order)
    start = 0
    for entry in pc.value_counts(dates).to_pylist():
        yield entry["values"], table.slice(start, entry["counts"])
        start += entry["counts"]


def _write_durably(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression=COMPRESSION)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _stage(index: PartIndex, day: str, rows: pa.Table, lo: int, hi: int, sizing: Sizing) -> _Staged:
    # Merging the run of small files at the end of a date keeps a sync every minute, or late
    # events trickling into old dates, from leaving thousands of tiny files; merging only
    # every `merge_files` files keeps the rewriting cheap.
    run = index.small_run(day, sizing.part_rows)
    merged = run if len(run) + 1 >= sizing.merge_files else []
    if merged:
        rows = pa.concat_tables([*(pq.ParquetFile(p.path).read() for p in merged), rows])
        lo = merged[0].lo
    final = part_path(index.root, day, lo, hi)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(final)
    _write_durably(rows, tmp)
    return _Staged(PartFile(day, lo, hi, final), tmp, rows.num_rows, merged)


def write_chunk(index: PartIndex, table: pa.Table, sizing: Sizing) -> int:
    """Write a chunk (rows in id order) into its partitions; return how many files it made.

    All `.tmp` files are durable before the first rename, and all renames before the files
    merged away are deleted: the order `layout.recover` relies on after a crash.
    """
    lo, hi = int(table["id"][0].as_py()), int(table["id"][-1].as_py())
    staged = [
        _stage(index, day, rows, lo, hi, sizing) for day, rows in split_by_day(table)
    ]
    folders = {s.part.path.parent for s in staged} | {index.root, index.root.parent}
    fsync_dirs(folders)
    for s in staged:
        os.replace(s.tmp, s.part.path)
    fsync_dirs(folders)
    for s in staged:
        for part in s.merged:
            part.path.unlink()
        index.swap(s.merged, s.part, s.rows)
    return len(staged)
