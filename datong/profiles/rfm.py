"""RFM scores: quintiles 1-5 of recency (last order time), frequency (orders) and monetary
value (spend) across every person with an order.

The batch recompute ranks everyone and keeps, per measure, the four boundaries between the
quintiles. A profile is then scored at read time from the person's current counters against
those boundaries: right after a batch this is exactly the batch's score (equal values share
the score of the first of them), and a person who orders in between is scored at once
against the population of the last batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection, delete

from datong.profiles.facts import Stats
from datong.profiles.tables import rfm_cuts
from datong.store.raw import RawStatement
from datong.store.types import epoch_micros, utcnow


class Cuts(NamedTuple):
    recency: list[int]
    frequency: list[int]
    monetary: list[int]
    buyers: int
    computed_at: datetime


def measures(s: Stats) -> tuple[int, int, int] | None:
    """(last order in epoch µs, orders, spend in fen), or None for a person with no order."""
    if s.last_order_at is None:
        return None
    return (epoch_micros(s.last_order_at), s.online_orders + s.offline_orders,
            s.online_spend + s.offline_spend)


def quintiles(values: np.ndarray) -> np.ndarray:
    """1-5 by rank; equal values share the score of the first of them."""
    order = np.sort(values)
    first_rank = np.searchsorted(order, values, side="left")
    return 1 + (first_rank * 5) // len(values)


def boundaries(values: np.ndarray) -> list[int]:
    """The four values a score is compared with: above the k-th means a score above k.

    A value's score is 1 + ⌊5·r/n⌋ with r the number of values below it, so it exceeds k
    exactly when r ≥ ⌈k·n/5⌉, i.e. when it is above the ⌈k·n/5⌉-th smallest value."""
    order = np.sort(values)
    n = len(order)
    return [int(order[-(-k * n // 5) - 1]) for k in range(1, 5)]


def score(value: int, cuts: Sequence[int]) -> int:
    return 1 + sum(1 for cut in cuts if value > cut)


def batch(found: dict[int, Stats]) -> tuple[dict[int, tuple[int, int, int]], Cuts | None]:
    """Every buyer's scores and the boundaries, from all persons' counters."""
    buyers = {p: m for p, s in found.items() if (m := measures(s)) is not None}
    if not buyers:
        return {}, None
    columns = np.array(list(buyers.values()), dtype=np.int64).T
    scored = [quintiles(c) for c in columns]
    scores = {p: (int(scored[0][i]), int(scored[1][i]), int(scored[2][i]))
              for i, p in enumerate(buyers)}
    cuts = Cuts(boundaries(columns[0]), boundaries(columns[1]), boundaries(columns[2]),
                buyers=len(buyers), computed_at=utcnow())
    return scores, cuts


def save_cuts(db: Connection, cuts: Cuts | None) -> None:
    db.execute(delete(rfm_cuts))
    if cuts is not None:
        db.execute(rfm_cuts.insert().values(id=1, **cuts._asdict()))


_CUTS = RawStatement("SELECT recency, frequency, monetary, buyers, computed_at "
                     "FROM profile_rfm_cuts WHERE id = 1", result_json=(0, 1, 2),
                     result_times=(4,))


def load_cuts(db: Connection) -> Cuts | None:
    row = _CUTS.one(db, {})
    if row is None:
        return None
    return Cuts(list(row[0]), list(row[1]), list(row[2]), int(row[3]), row[4])


def scores_of(s: Stats, cuts: Cuts | None) -> dict[str, Any] | None:
    """The person's scores now, against the last batch's boundaries; None before any batch
    or for a person with no order."""
    found = measures(s)
    if cuts is None or found is None:
        return None
    r, f, m = (score(v, c) for v, c in zip(found, (cuts.recency, cuts.frequency,
                                                   cuts.monetary), strict=True))
    return {"r": r, "f": f, "m": m, "score": f"{r}{f}{m}",
            "boundaries_at": cuts.computed_at, "buyers": cuts.buyers}
