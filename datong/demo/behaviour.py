"""A year of behaviour, simulated vectorised: store visits, online sessions and what follows.

Personas drive it: store-only members visit and buy at the till; online browsers who buy in
store (线上浏览·到店购买) visit a store days after looking at a product; members enrolled by
a clerk come back online through the clerk's QR code (到店购买·线上复购).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datong.demo import activities as act
from datong.demo.activities import ADDED, CHECKOUT, ORDERED, SESSION, VISIT, Activities
from datong.demo.basket import Picker, coupons, shipping
from datong.demo.people import (
    BROWSE_STORE,
    MINI,
    ONLINE,
    STORE,
    STORE_ONLINE,
    VISITOR,
    WALKIN,
    People,
    rows_choice,
)
from datong.demo.seasons import ONLINE_HOURS, STORE_HOURS, Calendar

DAY = 86_400
# Per persona (online, store, browse→store, store→online, visitor, walk-in).
_MEAN_VIEWS = np.array([1.6, 0, 2.2, 1.5, 1.2, 0])
_P_ADD = np.array([0.35, 0, 0.35, 0.4, 0.12, 0])
_P_CHECKOUT = np.array([0.6, 0, 0.35, 0.6, 0.3, 0])
_P_ORDER = np.array([0.75, 0, 0.35, 0.75, 0.0, 0])
_P_BUY_IN_STORE = np.array([0, 0.55, 0.35, 0.55, 0, 0.3])


@dataclass(frozen=True)
class Frame:
    """Everything the simulation reads: people, products, calendar, stores and the clock."""

    people: People
    picker: Picker
    calendar: Calendar
    same_city: list[np.ndarray]  # per store, the stores in its city
    clerks: np.ndarray  # clerks per store
    start_ts: int  # epoch seconds of the first simulated day's local midnight
    end_ts: int  # nothing happens at or after this instant


def simulate(rng: np.random.Generator, frame: Frame) -> Activities:
    """Every activity of the year, in time order."""
    visits, enrolled_by = _regular_visits(rng, frame)
    sessions = _sessions(rng, frame, visits, enrolled_by)
    browsed = _browse_then_visit(rng, frame, sessions)
    hinted = np.concatenate([np.zeros(len(visits), bool), np.ones(len(browsed), bool)])
    visits = act.concat([visits, browsed])
    _fill_visits(rng, frame, visits, hinted)
    both = act.concat([sessions, visits])
    both = both.take((both.t >= frame.start_ts) & (both.t < frame.end_ts))
    both = both.take(np.argsort(both.t, kind="stable"))  # so order numbers rise with time
    ordered = both.stage == ORDERED
    both.order_no[ordered] = np.arange(int(ordered.sum()))
    later = act.concat([_refunds(rng, frame, both), _reviews(rng, both), _tablet(rng, frame, both)])
    everything = act.concat([both, later.take(later.t < frame.end_ts)])
    return everything.take(np.argsort(everything.t, kind="stable"))


def _times(rng: np.random.Generator, frame: Frame, day: np.ndarray,
           hours: np.ndarray) -> np.ndarray:
    hour = rng.choice(24, len(day), p=hours / hours.sum())
    # start_ts is the first day's local midnight, so local seconds add straight onto it.
    return frame.start_ts + day * DAY + hour * 3600 + rng.integers(0, 3600, len(day))


def _days(rng: np.random.Generator, weights: np.ndarray, lo: np.ndarray,
          hi: np.ndarray) -> np.ndarray:
    """One day per draw in [lo, hi), following the calendar's weights."""
    cdf = np.concatenate([[0.0], np.cumsum(weights)])
    u = cdf[lo] + rng.random(len(lo)) * (cdf[hi] - cdf[lo])
    return np.clip(np.searchsorted(cdf, u, side="right") - 1, lo, hi - 1)


def _draw_counts(rng: np.random.Generator, rate: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray) -> np.ndarray:
    return rng.poisson(rate * np.maximum(hi - lo, 0))


def _regular_visits(rng: np.random.Generator, frame: Frame) -> tuple[Activities, np.ndarray]:
    """Store visits of the store-going personas; the first one of a member enrols them."""
    p = frame.people
    count = _draw_counts(rng, p.store_rate, p.start, p.end)
    must_visit = np.isin(p.persona, (STORE, STORE_ONLINE))
    count = np.where(must_visit, np.maximum(count, 1), count)
    count = np.where(p.persona == WALKIN, 1 + rng.poisson(0.4, len(p)), count)
    person = np.repeat(np.arange(len(p)), count)
    day = _days(rng, frame.calendar.store, p.start[person], np.maximum(p.end[person],
                                                                      p.start[person] + 1))
    t = _times(rng, frame, day, STORE_HOURS)
    store = _visit_store(rng, frame, p.store[person])
    staff = (rng.random(len(person)) * frame.clerks[store]).astype(np.int8)
    first = act.group_ranks(t, person) == 0
    member = np.array([m is not None for m in p.member_id])
    enrol = first & member[person] & np.isin(p.persona[person], (STORE, STORE_ONLINE))
    visits = act.make(t, person, VISIT, store=store, staff=staff, login=enrol)
    enrolled_by = np.full((len(p), 3), -1, dtype=np.int64)  # (day, store, clerk) of enrolment
    enrolled_by[person[enrol]] = np.stack([day[enrol], store[enrol], staff[enrol]], axis=1)
    return visits, enrolled_by


def _visit_store(rng: np.random.Generator, frame: Frame, home: np.ndarray) -> np.ndarray:
    """Mostly the home store, sometimes another store in the city, now and then any store."""
    home = np.where(home < 0, 0, home)
    nearby = np.array([frame.same_city[h][int(u * len(frame.same_city[h]))]
                       for h, u in zip(home, rng.random(len(home)), strict=True)], dtype=np.int16)
    anywhere = rng.integers(0, len(frame.clerks), len(home))
    u = rng.random(len(home))
    return np.where(u < 0.85, home, np.where(u < 0.95, nearby, anywhere)).astype(np.int16)


def _sessions(rng: np.random.Generator, frame: Frame, visits: Activities,
              enrolled_by: np.ndarray) -> Activities:
    p = frame.people
    start = p.start.copy()
    late = p.persona == STORE_ONLINE
    start[late] = np.where(enrolled_by[late, 0] >= 0,
                           enrolled_by[late, 0] + rng.integers(0, 21, int(late.sum())), p.end[late])
    count = _draw_counts(rng, p.online_rate, start, p.end)
    count = np.where(p.persona == VISITOR, 1 + rng.poisson(0.8, len(p)), count)
    count = np.where(start < p.end, count, 0)
    person = np.repeat(np.arange(len(p)), count)
    day = _days(rng, frame.calendar.online, start[person], p.end[person])
    t = _times(rng, frame, day, ONLINE_HOURS)
    platform = rows_choice(rng, p.platform_p[person]).astype(np.int8)
    device = ((platform != MINI) & (day >= p.switch_day[person])).astype(np.int8)
    s = act.make(t, person, SESSION, platform=platform, device=device)
    _funnel(rng, frame, s, day)
    _sign_ins(rng, frame, s, enrolled_by)
    return s


def _funnel(rng: np.random.Generator, frame: Frame, s: Activities, day: np.ndarray) -> None:
    """How far each session goes: views, cart, checkout, order; what is in the basket."""
    persona = frame.people.persona[s.person]
    n = len(s)
    buying = frame.calendar.buying[day]
    s.views[:] = np.minimum(1 + rng.poisson(_MEAN_VIEWS[persona]), 10)
    added = rng.random(n) < _P_ADD[persona] * buying
    checkout = added & (rng.random(n) < _P_CHECKOUT[persona])
    ordered = checkout & (rng.random(n) < np.minimum(_P_ORDER[persona] * buying, 0.95))
    s.stage[:] = np.select([ordered, checkout, added], [ORDERED, CHECKOUT, ADDED], 0)
    first = frame.picker.products(rng, frame.people.favourite[s.person], day)
    s.items[:], s.qty[:] = frame.picker.basket(rng, first, frame.people.favourite[s.person], day)
    subtotal = frame.picker.subtotal(s.items, s.qty)
    s.coupon[:], s.discount[:] = coupons(rng, subtotal, buying > 1.15, online=True, chance=0.2)
    s.shipping[:] = shipping(subtotal - s.discount)
    s.total[:] = subtotal - s.discount + s.shipping
    s.searched[:] = rng.random(n) < 0.35
    s.shared[:] = rng.random(n) < np.where(s.platform == MINI, 0.08, 0.03)
    with_campaign = rng.random(n) < 0.3
    picked = rng.choice(len(act.CAMPAIGN_WEIGHTS), n, p=act.CAMPAIGN_WEIGHTS)
    s.campaign[:] = np.where(with_campaign, picked, -1)


def _sign_ins(rng: np.random.Generator, frame: Frame, s: Activities,
              enrolled_by: np.ndarray) -> None:
    """The first sessions on a person's first device are anonymous; then they sign in."""
    p = frame.people
    rank = act.group_ranks(s.t, s.person, s.platform, s.device)
    first_session = act.group_ranks(s.t, s.person) == 0
    first_group = np.zeros(len(p), dtype=np.int64)
    first_group[s.person[first_session]] = (s.platform * 2 + s.device)[first_session]
    in_first_group = (s.platform * 2 + s.device) == first_group[s.person]
    threshold = np.where(in_first_group, p.anon_sessions[s.person], 0)
    visitor = p.persona[s.person] == VISITOR
    s.anonymous[:] = visitor | (rank < threshold)
    s.login[:] = ~visitor & (rank == threshold)
    s.stage[:] = np.where(s.anonymous, np.minimum(s.stage, CHECKOUT), s.stage)
    s.update[:] = ~s.anonymous & (rank > threshold) & (rng.random(len(s)) < 0.02)
    # A member enrolled in store first comes online through their clerk's QR code.
    qr = (p.persona[s.person] == STORE_ONLINE) & first_session
    s.campaign[qr] = act.STORE_QR
    s.store[qr] = enrolled_by[s.person[qr], 1]
    s.staff[qr] = enrolled_by[s.person[qr], 2]


def _browse_then_visit(rng: np.random.Generator, frame: Frame, s: Activities) -> Activities:
    """线上浏览·到店购买: a product looked at online, then a store visit a few days later."""
    persona = frame.people.persona[s.person]
    chosen = (persona == BROWSE_STORE) & (s.stage < ORDERED) & (rng.random(len(s)) < 0.3)
    person = s.person[chosen]
    day = (s.t[chosen] - frame.start_ts) // DAY + 1 + rng.exponential(2.5, len(person)).astype(int)
    t = _times(rng, frame, day, STORE_HOURS)
    store = _visit_store(rng, frame, frame.people.store[person])
    items = np.full((len(person), 3), -1, dtype=np.int32)
    items[:, 0] = s.items[chosen, 0]
    staff = (rng.random(len(person)) * frame.clerks[store]).astype(np.int8)
    return act.make(t, person, VISIT, store=store, staff=staff, items=items)


def _fill_visits(rng: np.random.Generator, frame: Frame, v: Activities,
                 hinted: np.ndarray) -> None:
    """Dwell time, whether the visit ends at the till, and the receipt; `hinted` visits
    follow online browsing and usually buy the product looked at."""
    persona = frame.people.persona[v.person]
    day = np.clip((v.t - frame.start_ts) // DAY, 0, frame.calendar.days - 1)
    chance = np.where(hinted, 0.65, _P_BUY_IN_STORE[persona]) * frame.calendar.buying[day]
    bought = rng.random(len(v)) < np.minimum(chance, 0.95)
    v.stage[:] = np.where(bought, ORDERED, 0)
    v.dwell[:] = np.clip(rng.lognormal(np.log(900), 0.6, len(v)) * np.where(bought, 1.5, 1),
                         60, 7200).astype(np.int32)
    favourite = frame.people.favourite[v.person]
    first = np.where(hinted, v.items[:, 0], frame.picker.products(rng, favourite, day))
    v.items[:], v.qty[:] = frame.picker.basket(rng, first, favourite, day)
    subtotal = frame.picker.subtotal(v.items, v.qty)
    v.coupon[:], v.discount[:] = coupons(rng, subtotal, frame.calendar.buying[day] > 1.15,
                                         online=False, chance=0.12)
    v.total[:] = subtotal - v.discount


def _refunds(rng: np.random.Generator, frame: Frame, a: Activities) -> Activities:
    """Some orders come back: the whole order, or only its first line less its discount share."""
    online = a.kind == SESSION
    chosen = (a.stage == ORDERED) & (rng.random(len(a)) < np.where(online, 0.06, 0.025))
    r = a.take(chosen)
    n = len(r)
    partial = (r.items[:, 1] >= 0) & (rng.random(n) < 0.3)
    line = frame.picker.catalogue.price[np.maximum(r.items[:, 0], 0)] * r.qty[:, 0]
    goods = np.maximum(r.total - r.shipping + r.discount, 1)
    line_total = np.where(partial, line - r.discount * line // goods, r.total)
    return act.make(
        r.t + rng.integers(1, 15, n) * DAY + rng.integers(-3600, 3600, n), r.person, act.REFUND,
        platform=r.platform, device=r.device, store=r.store, staff=r.staff, items=r.items,
        qty=r.qty, total=line_total, order_no=r.order_no, partial=partial, coupon=r.coupon,
        anonymous=r.anonymous,
    )


def _reviews(rng: np.random.Generator, a: Activities) -> Activities:
    chosen = (a.kind == SESSION) & (a.stage == ORDERED) & (rng.random(len(a)) < 0.12)
    r = a.take(chosen)
    n = len(r)
    rating = rng.choice(np.arange(1, 6), n, p=[0.03, 0.04, 0.1, 0.28, 0.55])
    return act.make(
        r.t + rng.integers(3, 21, n) * DAY + rng.integers(0, 8 * 3600, n), r.person, act.REVIEW,
        platform=r.platform, device=r.device, items=r.items, qty=r.qty, order_no=r.order_no,
        rating=rating,
    )


def _tablet(rng: np.random.Generator, frame: Frame, a: Activities) -> Activities:
    """A clerk signs an omnichannel customer in on the store's shared tablet."""
    persona = frame.people.persona[a.person]
    chosen = (a.kind == VISIT) & np.isin(persona, (BROWSE_STORE, STORE_ONLINE, ONLINE)) & (
        rng.random(len(a)) < 0.08)
    chosen &= np.array([u is not None for u in frame.people.user_id])[a.person]
    v = a.take(chosen)
    return act.make(v.t + v.dwell // 3, v.person, act.TABLET, store=v.store, staff=v.staff,
                    items=v.items, qty=v.qty, views=2, platform=0)
