"""Daily activity per channel: events, people and orders per local day, on any engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from datong.analytics.schemas import DailyActivityRow
from datong.engines import AnalyticsEngine
from datong.errors import Invalid

# The Segment e-commerce spec's name for a placed order, online or at a POS.
ORDER_EVENTS = ("Order Completed",)
DEFAULT_DAYS = 30
MAX_DAYS = 3660


def report_window(
    since: date | None, until: date | None, *, today: date, days: int = DEFAULT_DAYS
) -> tuple[date, date]:
    """The days `since <= day < until`; by default the `days` days up to and including today."""
    until = until or today + timedelta(days=1)
    since = since or until - timedelta(days=days)
    if since >= until:
        raise Invalid("since must be a day before until", field="since")
    if (until - since).days > MAX_DAYS:
        raise Invalid(f"a report spans at most {MAX_DAYS} days", field="since")
    return since, until


def _utc_bounds(since: date, until: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    start = datetime.combine(since, time(), tz).astimezone(UTC)
    return start, datetime.combine(until, time(), tz).astimezone(UTC)


def daily_activity(
    engine: AnalyticsEngine, *, since: date, until: date, zone: str = "UTC"
) -> list[DailyActivityRow]:
    """Per day (in time zone `zone`, `since <= day < until`) and channel: events, distinct
    people (by user id, else anonymous id) and orders, from the lake."""
    start, end = _utc_bounds(since, until, zone)
    t = engine.events()
    t = t.filter(
        t["date"] >= start.date(), t["date"] <= end.date(),  # prunes date partitions
        t["timestamp"] >= start, t["timestamp"] < end,
    )
    person = ("u:" + t["user_id"]).coalesce("a:" + t["anonymous_id"])
    is_order = (t["type"] == "track") & t["event"].isin(ORDER_EVENTS)
    expr = (
        t.group_by(day=engine.local_date(t["timestamp"], zone), channel=t["channel"])
        .aggregate(events=t.count(), users=person.nunique(), orders=t.count(where=is_order))
        .order_by(["day", "channel"])
    )
    return [DailyActivityRow(**row) for row in engine.execute(expr).to_pylist()]
