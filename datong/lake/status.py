"""What the lake holds, for /healthz and `datong lake status`: cheap, and never raising."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq

from datong.lake.layout import events_root, high_water_mark, live_parts
from datong.lake.mirror import LAST_SYNC

# Part files never change once written, so their row counts are read once per process.
_row_counts: dict[tuple[str, int, int], int] = {}


def _rows(paths: list[Path]) -> int:
    global _row_counts
    counts: dict[tuple[str, int, int], int] = {}
    for path in paths:
        stat = os.stat(path)
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        known = _row_counts.get(key)
        counts[key] = known if known is not None else pq.read_metadata(path).num_rows
    _row_counts = counts  # forgets files merged away since the last call
    return sum(counts.values())


def _last_sync(lake_dir: Path) -> dict[str, Any] | None:
    try:
        report: dict[str, Any] = orjson.loads((lake_dir / LAST_SYNC).read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None
    return report


def lake_status(lake_dir: Path) -> dict[str, Any]:
    """Files, rows, date partitions, the last mirrored event id and the last sync's report."""
    try:
        parts = live_parts(events_root(lake_dir))
        days = sorted({p.day for p in parts})
        return {
            "ok": True,
            "path": str(lake_dir),
            "files": len(parts),
            "rows": _rows([p.path for p in parts]),
            "partitions": len(days),
            "first_date": days[0] if days else None,
            "last_date": days[-1] if days else None,
            "last_id": high_water_mark(parts),
            "last_sync": _last_sync(lake_dir),
        }
    except (OSError, ValueError) as exc:  # a file vanishing under a running sync, a bad footer
        return {"ok": False, "path": str(lake_dir), "error": f"{type(exc).__name__}: {exc}"}
