"""The lake mirror on both state stores: incremental, idempotent, rebuildable, crash-safe."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from datong.errors import Conflict
from datong.lake.layout import events_root, live_parts
from datong.lake.mirror import lake_lock, rebuild_lake, sync_lake
from datong.lake.parts import Sizing
from datong.lake.status import lake_status
from datong.settings import Settings
from tests.conftest import Cast
from tests.lake_rows import (
    MINUTE,
    NOW,
    add,
    add_many,
    event_row,
    lake_ids,
    part_names,
    read_lake,
    source_id,
    state_ids,
)


def test_sync_writes_only_new_rows(settings: Settings, engine: Engine, cast: Cast) -> None:
    add_many(engine, 30)
    first = sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    assert (first.rows, first.last_id) == (30, max(state_ids(engine)))
    before = {p.path: p.path.stat().st_mtime_ns for p in live_parts(events_root(settings.lake_dir))}
    add_many(engine, 10, start=30, days=1)  # all on today's date
    second = sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    assert second.rows == 10 and second.files == 1
    assert lake_ids(settings.lake_dir) == state_ids(engine)
    after = {p.path: p.path.stat().st_mtime_ns for p in live_parts(events_root(settings.lake_dir))}
    assert all(after[path] == mtime for path, mtime in before.items())  # old files untouched
    assert len(after) == len(before) + 1


def test_rerun_is_a_no_op(settings: Settings, engine: Engine, cast: Cast) -> None:
    add_many(engine, 12)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    names = part_names(settings.lake_dir)
    again = sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    assert (again.rows, again.files, again.chunks) == (0, 0, 0)
    assert part_names(settings.lake_dir) == names
    assert lake_ids(settings.lake_dir) == state_ids(engine)


def test_rows_carry_every_column(settings: Settings, engine: Engine, cast: Cast) -> None:
    pos = source_id(engine, "pos")
    at = datetime(2026, 3, 1, 23, 30, 5, 123456, tzinfo=UTC)
    add(engine, [event_row(pos, "o1", at=at, event="Order Completed", channel="offline",
                           properties={"total": 12900, "门店": "SH01"}),
                 event_row(pos, "o2", at=at, kind="identify", event=None, properties={})])
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    rows = read_lake(settings.lake_dir).to_pylist()
    first = rows[0]
    assert first["source"] == "pos" and first["source_id"] == pos and first["date"] == "2026-03-01"
    assert first["timestamp"] == at and first["received_at"] == NOW - 10 * MINUTE
    assert first["sent_at"] is None and first["traits"] is None
    assert json.loads(first["properties"]) == {"total": 12900, "门店": "SH01"}
    assert json.loads(first["context"]) == {"ip": "127.0.0.1"}
    assert rows[1]["type"] == "identify" and json.loads(rows[1]["properties"]) == {}
    table = read_lake(settings.lake_dir)
    assert str(table.schema.field("timestamp").type) == "timestamp[us, tz=UTC]"


def test_rebuild_gives_the_same_rows(settings: Settings, engine: Engine, cast: Cast) -> None:
    for batch in range(4):  # several syncs, small chunks, merged tails
        add_many(engine, 9, start=batch * 9, days=4)
        sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5, chunk_rows=4,
                  sizing=Sizing(part_rows=10, merge_files=3))
    synced = read_lake(settings.lake_dir)
    result = rebuild_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    assert result.rebuilt and result.rows == 36
    rebuilt = read_lake(settings.lake_dir)
    assert rebuilt.equals(synced)
    assert len(part_names(settings.lake_dir)) == 4  # one file per date after a rebuild
    assert not (settings.lake_dir / ".rebuild").exists()


def test_late_events_land_in_their_old_partition(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    add_many(engine, 5, days=1)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5, sizing=Sizing(part_rows=1))
    today = part_names(settings.lake_dir)
    old = NOW - timedelta(days=40)
    add(engine, [event_row(source_id(engine), "late", at=old)])
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5, sizing=Sizing(part_rows=1))
    new = part_names(settings.lake_dir) - today
    assert len(new) == 1 and new.pop().startswith(f"{old.date().isoformat()}/part-")
    rows = {r["message_id"]: r["date"] for r in read_lake(settings.lake_dir).to_pylist()}
    assert rows["late"] == old.date().isoformat()
    assert part_names(settings.lake_dir) >= today  # today's file was not rewritten


def test_small_files_are_merged_every_few_syncs(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    counts = []
    for batch in range(5):
        add_many(engine, 3, start=batch * 3, days=1)
        sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5, sizing=Sizing(merge_files=3))
        counts.append(len(list(events_root(settings.lake_dir).glob("*/*"))))
    assert counts == [1, 2, 1, 2, 1]
    assert lake_ids(settings.lake_dir) == state_ids(engine)


def test_the_lag_holds_back_fresh_events(settings: Settings, engine: Engine, cast: Cast) -> None:
    source = source_id(engine)
    fresh = datetime.now(UTC)
    add(engine, [event_row(source, "old-1", at=NOW),
                 event_row(source, "new", at=NOW, received=fresh),
                 event_row(source, "old-2", at=NOW)])
    ids = state_ids(engine)
    result = sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=60, now=fresh)
    # old-2 is old enough but comes after the fresh event: the sync stops before the fresh one,
    # or an event committed late with an id below old-2 could never be mirrored.
    assert (result.rows, result.last_id) == (1, ids[0])
    later = sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=60, now=fresh + 2 * MINUTE)
    assert later.rows == 2 and lake_ids(settings.lake_dir) == ids


def test_a_leftover_temp_file_is_ignored_then_removed(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    add_many(engine, 6, days=2)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    folder = next(events_root(settings.lake_dir).iterdir())
    leftover = folder / "part-000000000007-000000000099.parquet.tmp"
    leftover.write_bytes(b"PAR1 half a file")  # a sync killed while writing
    assert lake_status(settings.lake_dir)["rows"] == 6
    add_many(engine, 2, start=6, days=1)
    result = sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    assert result.recovered == 1 and not leftover.exists()
    assert lake_ids(settings.lake_dir) == state_ids(engine)


def test_a_sync_killed_between_renames_is_finished(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    add_many(engine, 8, days=4)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    parts = live_parts(events_root(settings.lake_dir))
    parts[0].path.rename(parts[0].path.with_name(parts[0].path.name + ".tmp"))  # not renamed yet
    assert lake_status(settings.lake_dir)["files"] == 3
    result = sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    assert result.recovered == 1 and result.rows == 0
    assert lake_ids(settings.lake_dir) == state_ids(engine)


def test_a_sync_killed_before_any_rename_is_undone(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    add_many(engine, 8, days=4)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    for part in live_parts(events_root(settings.lake_dir)):  # every file still a .tmp
        part.path.rename(part.path.with_name(part.path.name + ".tmp"))
    assert lake_status(settings.lake_dir)["rows"] == 0
    result = sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    assert result.recovered == 4 and result.rows == 8
    assert lake_ids(settings.lake_dir) == state_ids(engine)


def test_a_merged_away_file_left_behind_is_not_read_twice(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    add_many(engine, 3, days=1)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    (tail,) = live_parts(events_root(settings.lake_dir))
    kept = tail.path.read_bytes()
    add_many(engine, 3, start=3, days=1)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5, sizing=Sizing(merge_files=2))
    assert not tail.path.exists()
    tail.path.write_bytes(kept)  # killed after the merged file's rename, before the delete
    assert lake_status(settings.lake_dir)["rows"] == 6
    assert lake_ids(settings.lake_dir) == state_ids(engine)
    assert sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5).recovered == 1
    assert not tail.path.exists()


def test_a_rebuild_killed_mid_swap_is_completed(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    add_many(engine, 4)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    lake = settings.lake_dir
    shutil.copytree(lake / "events", lake / ".rebuild" / "events")  # a finished rebuild ...
    (lake / "events").rename(lake / ".old-events")  # ... killed after moving the old aside
    add_many(engine, 2, start=4)
    assert sync_lake(engine=engine, lake_dir=lake, lag=5).rows == 2
    assert lake_ids(lake) == state_ids(engine)
    assert not (lake / ".old-events").exists() and not (lake / ".rebuild").exists()


def test_chunks_bound_each_read(settings: Settings, engine: Engine, cast: Cast) -> None:
    add_many(engine, 23, days=2)
    result = sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5, chunk_rows=5,
                       sizing=Sizing(part_rows=1))
    assert (result.rows, result.chunks) == (23, 5)
    his = {p.hi for p in live_parts(events_root(settings.lake_dir))}
    assert len(his) == 5  # one range per chunk, each split by date
    assert lake_ids(settings.lake_dir) == state_ids(engine)


def test_one_sync_at_a_time(settings: Settings, engine: Engine, cast: Cast) -> None:
    with lake_lock(settings.lake_dir), pytest.raises(Conflict, match="another lake sync"):
        sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)


def test_status_of_a_lake(settings: Settings, engine: Engine, cast: Cast) -> None:
    assert lake_status(settings.lake_dir) | {"path": ""} == {
        "ok": True, "path": "", "files": 0, "rows": 0, "partitions": 0, "first_date": None,
        "last_date": None, "last_id": 0, "last_sync": None}
    add_many(engine, 7, days=3)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    status = lake_status(settings.lake_dir)
    assert (status["files"], status["rows"], status["partitions"]) == (3, 7, 3)
    assert status["last_id"] == max(state_ids(engine))
    assert status["last_date"] == (NOW - timedelta(hours=1)).date().isoformat()  # newest event
    assert status["last_sync"]["rows"] == 7 and status["last_sync"]["finished_at"]
