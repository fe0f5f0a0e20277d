"""The batch recompute gives the incremental numbers on a small demo world."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from datong.demo.loader import load_demo
from datong.engines import create_engine
from datong.lake.mirror import sync_lake
from datong.pipeline import event_hooks
from datong.profiles.batch import recompute_profiles
from datong.profiles.rfm import boundaries, quintiles, score
from datong.profiles.service import get_profile
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
    # read time: the current counters against the batch's boundaries give the batch's scores
    with engine.connect() as conn:
        stored = conn.execute(select(stats.c.person_id, stats.c.rfm_r, stats.c.rfm_f,
                                     stats.c.rfm_m).where(stats.c.rfm_r.is_not(None))).all()
        for person, r, f, m in stored:
            shown = get_profile(db=conn, rules=settings.rules, key=str(person))
            assert shown["computed"]["rfm"]["score"] == f"{r}{f}{m}", person
        never = conn.execute(select(stats.c.person_id).where(
            stats.c.rfm_r.is_(None))).scalars().first()
        assert never is not None
        assert get_profile(db=conn, rules=settings.rules, key=str(never))["computed"]["rfm"] \
            == {}


def test_a_new_buyer_is_scored_before_the_next_batch(
        engine: Engine, settings: Settings) -> None:
    load_demo(engine=engine, size="tiny", seed=5, end=END, hooks=event_hooks(settings))
    with create_engine(settings) as analytics:
        recompute_profiles(engine=engine, analytics=analytics, settings=settings)
    with engine.connect() as conn:
        newcomer = conn.execute(select(stats.c.person_id).where(
            stats.c.last_order_at.is_(None))).scalars().first()
    assert newcomer is not None
    with engine.begin() as db:  # the person orders (the ingest hook folds the counters)
        db.execute(stats.update().where(stats.c.person_id == newcomer).values(
            online_orders=40, online_spend=50_000_000, last_order_at=END))
    with engine.connect() as conn:
        rfm = get_profile(db=conn, rules=settings.rules, key=str(newcomer))["computed"]["rfm"]
    # the most orders, the most spend and the latest order of anyone: top of every quintile
    assert rfm["score"] == "555" and rfm["buyers"] > 10


@given(st.lists(st.integers(-10**15, 10**15) | st.integers(0, 3), min_size=1, max_size=60))
def test_scoring_against_the_boundaries_equals_the_ranking(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    cuts = boundaries(array)
    assert [score(v, cuts) for v in values] == quintiles(array).tolist()


def test_quintiles_share_scores_on_ties() -> None:
    assert quintiles(np.array([10, 20, 30, 40, 50])).tolist() == [1, 2, 3, 4, 5]
    assert quintiles(np.array([1, 1, 1, 9])).tolist() == [1, 1, 1, 4]
