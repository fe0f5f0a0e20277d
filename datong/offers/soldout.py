"""Templates seen sold out a moment ago, so that the refusals of a claim storm are answered
without a trip through the commit queue and the database.

A flash sale of 1,000 coupons draws ten times as many claims; once the stock is gone every
further claim is refused, and the database says so again each time. This process remembers,
for `seconds` (1 s by default), each template a claim found sold out, and refuses new claims
on it at once with the same `out_of_stock` error. Only claims without an idempotency key are
refused this way (a retried claim must still get the coupon it was given). Stock is never
oversold by it: issuing still takes the stock with the database's conditional update. A stock
raised by an admin is seen at once through this process's API (the template's entry is
forgotten), and within `seconds` when raised elsewhere (the console's process, the CLI).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from datong.errors import Conflict


class SoldOut:
    def __init__(self, seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._until: dict[int, float] = {}

    def check(self, template_id: int) -> None:
        """Refuse now when the template was found sold out less than `seconds` ago."""
        until = self._until.get(template_id)
        if until is None:
            return
        if until > self._clock():
            raise Conflict(f"coupon template {template_id} is out of stock",
                           code="out_of_stock")
        self._until.pop(template_id, None)

    def note(self, template_id: int) -> None:
        self._until[template_id] = self._clock() + self.seconds

    def forget(self, template_id: int) -> None:
        self._until.pop(template_id, None)
