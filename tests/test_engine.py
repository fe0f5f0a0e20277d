"""The analytics engine over the lake, fed from both state stores; the daily-activity report."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from datong.analytics.activity import daily_activity, report_window
from datong.engines import AnalyticsEngine, create_engine
from datong.errors import ConfigError, Invalid
from datong.ingest.tables import events
from datong.lake.mirror import sync_lake
from datong.settings import Settings
from tests.conftest import Cast, auth
from tests.lake_rows import NOW, add, add_many, event_row, source_id

# 2026-11-23 17:30 UTC is already 2026-11-24 in Shanghai.
EVENING = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)


@pytest.fixture
def analytics(settings: Settings) -> Iterator[AnalyticsEngine]:
    with create_engine(settings) as engine:
        yield engine


def state_counts(engine: Engine) -> dict[tuple[str, str], int]:
    query = select(events.c.channel, events.c.type, func.count()).group_by(
        events.c.channel, events.c.type)
    with engine.connect() as conn:
        return {(c, t): int(n) for c, t, n in conn.execute(query)}


def test_engine_counts_equal_the_state_store(
    settings: Settings, engine: Engine, cast: Cast, analytics: AnalyticsEngine
) -> None:
    add_many(engine, 40, days=5)
    pos = source_id(engine, "pos")
    add(engine, [event_row(pos, f"p{i}", at=EVENING, channel="offline", kind=kind)
                 for i, kind in enumerate(["track", "identify", "track"])])
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5, chunk_rows=7)
    t = analytics.events()
    expr = t.group_by(["channel", "type"]).aggregate(n=t.count())
    got = {(r["channel"], r["type"]): r["n"] for r in analytics.execute(expr).to_pylist()}
    assert got == state_counts(engine)
    assert analytics.execute(t.count().name("n")).to_pylist() == [{"n": 43}]
    assert analytics.sql("SELECT count(*) AS n FROM events")["n"].to_pylist() == [43]


def test_the_engine_sees_each_new_sync(
    settings: Settings, engine: Engine, cast: Cast, analytics: AnalyticsEngine
) -> None:
    assert analytics.sql("SELECT count(*) AS n FROM events")["n"].to_pylist() == [0]
    for n in (5, 9):
        add_many(engine, n - (5 if n == 9 else 0), start=5 if n == 9 else 0)
        sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
        assert analytics.sql("SELECT count(*) AS n FROM events")["n"].to_pylist() == [n]


def test_sql_is_transpiled_from_another_dialect(
    settings: Settings, engine: Engine, cast: Cast, analytics: AnalyticsEngine
) -> None:
    add_many(engine, 6, days=2)
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    query = ("SELECT channel, COUNT(*) AS n, MAX(CAST(timestamp AS DATE)) AS last_day "
             "FROM events WHERE properties::jsonb ->> 'sku' LIKE 'm%' GROUP BY channel")
    result = analytics.sql(query, dialect="postgres").to_pylist()
    newest = NOW - timedelta(hours=1)  # add_many's newest event (a day earlier just after 0:00)
    assert result == [{"channel": "online", "n": 6, "last_day": newest.date()}]


@pytest.mark.parametrize("query", ["SELEC nothing FROM", "DROP VIEW events",
                                   "SELECT 1; SELECT 2"])
def test_sql_runs_exactly_one_query(analytics: AnalyticsEngine, query: str) -> None:
    with pytest.raises(Invalid):
        analytics.sql(query)


def test_daily_activity_by_local_day_and_channel(
    settings: Settings, engine: Engine, cast: Cast, analytics: AnalyticsEngine
) -> None:
    app, pos = source_id(engine, "app"), source_id(engine, "pos")
    add(engine, [
        event_row(app, "a1", at=EVENING, user="u1"),
        event_row(app, "a2", at=EVENING, user=None, anonymous="u1"),  # not the same person
        event_row(app, "a3", at=EVENING - timedelta(hours=12), user="u1", event="Order Completed"),
        event_row(pos, "p1", at=EVENING, user="u2", channel="offline", event="Order Completed"),
        event_row(pos, "p2", at=EVENING, user="u2", channel="offline", kind="identify", event=None),
        event_row(app, "x", at=EVENING + timedelta(days=3)),  # outside the window
    ])
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=5)
    rows = daily_activity(analytics, since=date(2026, 11, 23), until=date(2026, 11, 25),
                          zone="Asia/Shanghai")
    assert [r.model_dump() for r in rows] == [
        {"day": date(2026, 11, 23), "channel": "online", "events": 1, "users": 1, "orders": 1},
        {"day": date(2026, 11, 24), "channel": "offline", "events": 2, "users": 1, "orders": 1},
        {"day": date(2026, 11, 24), "channel": "online", "events": 2, "users": 2, "orders": 0},
    ]
    utc = daily_activity(analytics, since=date(2026, 11, 23), until=date(2026, 11, 24))
    assert [(r.channel, r.events) for r in utc] == [("offline", 2), ("online", 3)]


def test_daily_activity_on_an_empty_lake(analytics: AnalyticsEngine) -> None:
    assert daily_activity(analytics, since=date(2026, 1, 1), until=date(2026, 2, 1)) == []


def test_report_window_defaults_and_limits() -> None:
    today = date(2026, 11, 23)
    assert report_window(None, None, today=today) == (date(2026, 10, 25), date(2026, 11, 24))
    with pytest.raises(Invalid, match="before until"):
        report_window(today, today, today=today)
    with pytest.raises(Invalid, match="at most"):
        report_window(date(2000, 1, 1), today, today=today)


def test_daily_activity_api(
    client: TestClient, cast: Cast, settings: Settings, engine: Engine
) -> None:
    batch = [{"type": "track", "userId": f"u{i}", "event": "Order Completed",
              "messageId": f"m{i}", "timestamp": "2026-11-23T17:30:00Z"} for i in range(3)]
    r = client.post("/v1/batch", auth=(cast.pos_key, ""), json={"batch": batch})
    assert r.status_code == 200
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=0)
    url = "/api/v1/analytics/daily-activity?since=2026-11-20&until=2026-11-30"
    r = client.get(url, headers=auth(cast.marketer_token))
    assert r.status_code == 200, r.text
    assert r.json() == {"since": "2026-11-20", "until": "2026-11-30", "timezone": "Asia/Shanghai",
                        "rows": [{"day": "2026-11-24", "channel": "offline", "events": 3,
                                  "users": 3, "orders": 3}]}
    assert client.get(url, headers=auth(cast.admin_token)).status_code == 200
    assert client.get(url, headers=auth(cast.clerk_a_token)).status_code == 403
    assert client.get(url).status_code == 401
    bad = client.get(url.replace("2026-11-30", "2026-11-01"), headers=auth(cast.marketer_token))
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "since"


def test_spark_is_refused_clearly(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path, analytics_engine="spark")
    with pytest.raises(ConfigError, match="not available yet"):
        create_engine(settings)


def test_importing_datong_stays_light() -> None:
    code = ("import sys, datong, datong.app, datong.engines, datong.cli; "
            "heavy = {'ibis', 'pyspark'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
