"""A small in-process limit on enrolment attempts from the public pages, per client address
and per link: a sliding window of attempt times for each key, the oldest keys forgotten
first when too many are kept. Per process: with several API replicas each counts its own."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_KEYS = 50_000


class Throttle:
    def __init__(self, limit: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count an attempt under `key`, unless the key is at its limit already."""
        if self.limit <= 0:
            return True
        now = self._clock()
        with self._lock:
            window = self._window(key, now)
            if len(window) >= self.limit:
                return False
            window.append(now)
            return True

    def _window(self, key: str, now: float) -> deque[float]:
        window = self._seen.pop(key, None) or deque()
        while window and window[0] <= now - self.window:
            window.popleft()
        self._seen[key] = window  # most recently used last
        while len(self._seen) > MAX_KEYS:
            self._seen.popitem(last=False)
        return window


class EnrolLimits:
    """Per client address, and ten times as many per link (a poster's QR code is shared
    by every visitor of the store)."""

    def __init__(self, per_address: int, window_seconds: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.address = Throttle(per_address, window_seconds, clock)
        self.link = Throttle(per_address * 10, window_seconds, clock)

    def allow(self, *, address: str, link: str) -> bool:
        return self.address.allow(address) and self.link.allow(link)
