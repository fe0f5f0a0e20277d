"""The batch recompute gives the incremental numbers on a small demo world."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from datong.demo.loader import load_demo
from datong.engines import create_engine
from datong.lake.mirror import sync_lake
from datong.pipeline import event_hooks
from datong.profiles.batch import quintiles, recompute_profiles
from datong.profiles.tables import stats, store_counts, tags, traits
from datong.settings import Settings

END = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
RFM = ("rfm_r", "rfm_f", "rfm_m", "rfm_at")


def _snapshot(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            "stats": sorted(tuple(v for k, v in r.items() if k not in RFM)
                            for r in conn.execute(select(stats)).mappings()),
            "stores": sorted(map(tuple, conn.execute(select(store_counts)).all())),
            "traits": sorted((r.person_id, r.key, repr(r.value), r.at, r.event_id)
                             for r in conn.execute(select(traits))),
            "tags": sorted(map(tuple, conn.execute(select(tags.c.person_id, tags.c.tag,
                                                          tags.c.source)).all())),
        }


def test_batch_recompute_equals_incremental(engine: Engine, settings: Settings) -> None:
    load_demo(engine=engine, size="tiny", seed=5, end=END, hooks=event_hooks(settings))
    before = _snapshot(engine)
    assert len(before["stats"]) > 50 and before["traits"] and before["tags"]
    with create_engine(settings) as analytics:  # nothing mirrored: all from the state store
        report = recompute_profiles(engine=engine, analytics=analytics, settings=settings)
    assert report.from_lake == 0 and _snapshot(engine) == before
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=0)
    with create_engine(settings) as analytics:
        report = recompute_profiles(engine=engine, analytics=analytics, settings=settings)
    assert report.from_lake == report.events > 0
    assert _snapshot(engine) == before
    with engine.connect() as conn:
        scores = conn.execute(select(stats.c.rfm_r, stats.c.rfm_f, stats.c.rfm_m)
                              .where(stats.c.rfm_r.is_not(None))).all()
    assert len(scores) == report.rfm_scored > 10
    assert {s for row in scores for s in row} <= {1, 2, 3, 4, 5}
    assert {row[0] for row in scores} == {1, 2, 3, 4, 5}


def test_quintiles_share_scores_on_ties() -> None:
    import numpy as np

    assert quintiles(np.array([10, 20, 30, 40, 50])).tolist() == [1, 2, 3, 4, 5]
    assert quintiles(np.array([1, 1, 1, 9])).tolist() == [1, 1, 1, 4]
