"""Where the lake keeps its files, how they are named, and how a crashed sync is repaired.

Layout: `<lake>/events/date=YYYY-MM-DD/part-<lo>-<hi>.parquet`. `lo`..`hi` is the range of
event ids a sync chunk covered; the file holds that chunk's events of that date (the UTC date
of `timestamp`). The small files at the end of a date may be merged with a later chunk's rows
of that date into a new file whose range covers theirs; they are then superseded and deleted.

The high-water mark is the largest `hi` on disk. Every file of a chunk is first written as a
`.tmp`, made durable, and only then renamed into place, so that `recover` can finish (any file
of that chunk is in place) or undo (none is) a sync that died half way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

EVENTS = "events"
TMP_SUFFIX = ".tmp"
_PART = re.compile(r"^part-(\d+)-(\d+)\.parquet$")
_TMP = re.compile(r"^part-(\d+)-(\d+)\.parquet\.tmp$")
_DATE_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class PartFile:
    """One Parquet file of the mirror: its date partition and the id range it was cut from."""

    day: str
    lo: int
    hi: int
    path: Path

    def covers(self, other: PartFile) -> bool:
        return self is not other and self.lo <= other.lo and other.hi <= self.hi


def events_root(lake_dir: Path) -> Path:
    return lake_dir / EVENTS


def part_path(root: Path, day: str, lo: int, hi: int) -> Path:
    return root / f"date={day}" / f"part-{lo:012d}-{hi:012d}.parquet"


def tmp_path(final: Path) -> Path:
    return final.with_name(final.name + TMP_SUFFIX)


def _date_dirs(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for entry in os.scandir(root):
        match = _DATE_DIR.match(entry.name)
        if match and entry.is_dir():
            yield match.group(1), Path(entry.path)


def _scan(root: Path, pattern: re.Pattern[str]) -> Iterator[PartFile]:
    for day, folder in _date_dirs(root):
        for entry in os.scandir(folder):
            match = pattern.match(entry.name)
            if match:
                yield PartFile(day, int(match.group(1)), int(match.group(2)), Path(entry.path))


def all_parts(root: Path) -> list[PartFile]:
    """Every renamed-into-place part file, superseded ones included."""
    return list(_scan(root, _PART))


def live_parts(root: Path) -> list[PartFile]:
    """The files that make up the mirror: in place and not superseded by a merged file."""
    parts = all_parts(root)
    superseded = set(_superseded(parts))
    return sorted((p for p in parts if p not in superseded), key=lambda p: (p.day, p.lo))


def _superseded(parts: Iterable[PartFile]) -> Iterator[PartFile]:
    by_day: dict[str, list[PartFile]] = {}
    for part in parts:
        by_day.setdefault(part.day, []).append(part)
    for same_day in by_day.values():
        for part in same_day:
            if any(other.covers(part) for other in same_day):
                yield part


def high_water_mark(parts: Iterable[PartFile]) -> int:
    """The last event id mirrored: the end of the newest chunk on disk (0 for an empty lake)."""
    return max((p.hi for p in parts), default=0)


def recover(root: Path) -> int:
    """Finish or undo what a crashed sync left behind; return how many files were touched.

    A chunk's `.tmp` files are all durable before the first of them is renamed, so if any
    file ending at the same `hi` is in place the rest are complete and are renamed too;
    otherwise they are partial and deleted. Files covered by a merged file are deleted last.
    """
    in_place = {p.hi for p in all_parts(root)}
    touched = 0
    folders: set[Path] = set()
    for tmp in _scan(root, _TMP):
        if tmp.hi in in_place:
            os.replace(tmp.path, part_path(root, tmp.day, tmp.lo, tmp.hi))
        else:
            tmp.path.unlink()
        folders.add(tmp.path.parent)
        touched += 1
    fsync_dirs(folders)
    for part in set(_superseded(all_parts(root))):
        part.path.unlink()
        touched += 1
    return touched


def fsync_dirs(folders: Iterable[Path]) -> None:
    """Make renames, creations and deletions in these folders durable."""
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
