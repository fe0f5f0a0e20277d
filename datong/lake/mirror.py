"""Placeholder until the lake lands: reports that nothing is mirrored yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def lake_status(lake_dir: Path) -> dict[str, Any]:
    files = list(lake_dir.glob("events/**/*.parquet")) if lake_dir.exists() else []
    return {"ok": True, "path": str(lake_dir), "files": len(files)}
