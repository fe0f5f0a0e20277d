"""The retail calendar: weekday rhythm, 双11 and 618, 国庆, 春节, and the hours people shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

# 春节 (Lunar New Year's day) moves every year.
SPRING_FESTIVAL = {
    2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
    2029: date(2029, 2, 13), 2030: date(2030, 2, 3), 2031: date(2031, 1, 23),
}

# Local hours 0..23; online peaks at lunch and late evening, stores on afternoons and evenings.
ONLINE_HOURS = np.array([2, 1, .5, .3, .3, .5, 1, 2, 3, 3, 3, 3.5, 4.5, 4, 3, 3, 3, 3.5, 4.5,
                         6, 7.5, 8, 6.5, 4], dtype=float)
STORE_HOURS = np.zeros(24)
STORE_HOURS[10:22] = [2, 3, 3.5, 3, 3, 3.5, 4, 4.5, 5, 5, 4, 2.5]

_STORE_WEEKDAY = np.array([0.8, 0.8, 0.8, 0.85, 1.05, 1.75, 1.55])
_ONLINE_WEEKDAY = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 1.15, 1.2])


@dataclass(frozen=True)
class Calendar:
    """Per simulated day: how busy online and stores are, and how keen people are to buy."""

    first_day: date
    online: np.ndarray  # relative session volume
    store: np.ndarray  # relative visit volume
    buying: np.ndarray  # multiplier on the chance a session or visit ends in an order
    month: np.ndarray  # 1..12

    @property
    def days(self) -> int:
        return len(self.online)


def build_calendar(first_day: date, days: int) -> Calendar:
    dates = [first_day + timedelta(days=i) for i in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    trend = np.linspace(0.85, 1.15, days)  # a growing brand
    online = _ONLINE_WEEKDAY[weekday] * trend
    store = _STORE_WEEKDAY[weekday] * trend
    buying = np.ones(days)
    for i, d in enumerate(dates):
        on, st, buy = _occasion(d)
        online[i] *= on
        store[i] *= st
        buying[i] = buy
    return Calendar(first_day, online, store, buying, np.array([d.month for d in dates]))


def _occasion(d: date) -> tuple[float, float, float]:
    """(online, store, buying) multipliers for one date."""
    md = (d.month, d.day)
    festival = SPRING_FESTIVAL.get(d.year)
    if festival is not None:
        offset = (d - festival).days
        if -1 <= offset <= 5:
            return 0.6, 0.35, 0.9
        if -20 <= offset < -1:
            return 1.0, 1.3, 1.15  # 年货 shopping before the holiday
    rules: list[tuple[bool, tuple[float, float, float]]] = [
        (md == (11, 11), (7.0, 1.4, 1.8)),  # 双11
        ((11, 1) <= md <= (11, 10), (2.2, 1.2, 1.4)),  # 双11 presale, 付尾款
        ((10, 20) <= md <= (10, 31), (1.4, 1.0, 1.1)),
        (md == (12, 12), (2.5, 1.1, 1.4)),  # 双12
        (md == (6, 18), (4.0, 1.2, 1.6)),  # 618
        ((6, 1) <= md <= (6, 17), (1.5, 1.0, 1.2)),
        ((10, 1) <= md <= (10, 7), (0.9, 1.9, 1.2)),  # 国庆 golden week: malls are full
        ((5, 1) <= md <= (5, 5), (0.9, 1.6, 1.1)),  # 劳动节
        (md in ((3, 7), (3, 8)), (2.0, 1.3, 1.3)),  # 女神节
        (md == (5, 20), (1.5, 1.2, 1.2)),  # 520
        (md in ((12, 24), (12, 25), (1, 1)), (1.1, 1.4, 1.1)),
    ]
    for matched, factors in rules:
        if matched:
            return factors
    return 1.0, 1.0, 1.0
