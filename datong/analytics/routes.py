"""The analytics API under /api/v1/analytics: thin layer over the reports."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter

from datong.analytics.activity import daily_activity, report_window
from datong.analytics.schemas import DailyActivityReport
from datong.api.deps import AnalyticsDep, MarketerPrincipal, RuntimeDep

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])


@router.get("/daily-activity", response_model=DailyActivityReport)
def get_daily_activity(
    _: MarketerPrincipal, runtime: RuntimeDep, engine: AnalyticsDep,
    since: date | None = None, until: date | None = None,
) -> DailyActivityReport:
    """Events, people and orders per day and channel for `since <= day < until`, days in the
    configured time zone; by default the last 30 days. Reads the lake, so the newest
    events show after the next lake sync."""
    zone = runtime.settings.timezone
    since, until = report_window(since, until, today=datetime.now(runtime.settings.tz).date())
    rows = daily_activity(engine, since=since, until=until, zone=zone)
    return DailyActivityReport(since=since, until=until, timezone=zone, rows=rows)
