"""What the analytics API answers."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class DailyActivityRow(BaseModel):
    """One local day and channel: events, distinct people seen and orders placed."""

    day: date
    channel: str
    events: int
    users: int
    orders: int


class DailyActivityReport(BaseModel):
    since: date
    until: date
    timezone: str
    rows: list[DailyActivityRow]
