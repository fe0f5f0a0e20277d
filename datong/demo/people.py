"""Customers and visitors: personas, home stores, activity windows and identifiers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datong.demo import identities as ids
from datong.demo.world import ONLINE_CITIES, Size, StoreSpec

ONLINE, STORE, BROWSE_STORE, STORE_ONLINE, VISITOR, WALKIN = range(6)
PERSONAS = (
    "online_only",  # buys in the app, mini-program or web shop, never in a store
    "store_only",  # buys in stores; a member or known by phone at the till
    "online_browse_store_buy",  # 线上浏览·到店购买: researches online, buys in store
    "store_then_online",  # 到店购买·线上复购: enrolled by a clerk, repurchases online
    "anonymous_browser",  # browses online, never signs in (not a customer)
    "walk_in",  # visits a store without being known (not a customer)
)
CUSTOMER_MIX = np.array([0.34, 0.28, 0.22, 0.16])
APP, MINI, WEB = 0, 1, 2
PLATFORMS = ("app", "mini-program", "web")

# Main-platform probabilities per persona (app, mini-program, web).
_PLATFORM_MIX = np.array([
    [0.45, 0.40, 0.15], [0.3, 0.6, 0.1], [0.55, 0.40, 0.05], [0.25, 0.75, 0.0],
    [0.2, 0.3, 0.5], [0.3, 0.6, 0.1],
])
# Online sessions and store visits per active day, before each person's own multiplier.
_ONLINE_RATE = np.array([0.07, 0.0, 0.10, 0.045, 0.0, 0.0])
_STORE_RATE = np.array([0.0, 0.03, 0.008, 0.025, 0.0, 0.0])
# Favourite category weights (see catalogue.CATEGORIES order) for women and men.
_FAVOURITE = np.array([
    [1.6, 1.2, 0.9, 0.2, 0.1, 1.0, 1.0, 0.8, 0.8, 1.5, 1.2, 0.6],
    [0.0, 0.3, 0.3, 1.8, 1.4, 1.0, 1.2, 1.3, 0.2, 0.5, 0.0, 0.3],
])

# (manufacturer, model, os, os version); iPhones are about half of the app's users.
DEVICE_MODELS = (
    ("Apple", "iPhone15,2", "iOS", "17.5.1"), ("Apple", "iPhone16,1", "iOS", "18.1"),
    ("Apple", "iPhone14,5", "iOS", "17.4"), ("HUAWEI", "ALN-AL00", "HarmonyOS", "4.2.0"),
    ("Xiaomi", "23127PN0CC", "Android", "14"), ("OPPO", "PHZ110", "Android", "14"),
    ("vivo", "V2309A", "Android", "14"), ("HONOR", "BVL-AN00", "Android", "14"),
)
_MODEL_WEIGHTS = np.array([0.2, 0.18, 0.12, 0.16, 0.12, 0.08, 0.08, 0.06])


@dataclass
class People:
    """Parallel arrays and lists, one entry per person (customers first, then visitors)."""

    persona: np.ndarray
    store: np.ndarray  # home store index, -1 for none
    city: list[str]
    female: np.ndarray
    birthday: list[str]
    name: list[str]
    phone: np.ndarray  # 11-digit int
    phone_style: np.ndarray  # how this person types a number into a web form
    email: list[str | None]
    user_id: list[str | None]  # the online account (app, mini-program and web share it)
    member_id: list[str | None]  # the loyalty card number
    phone_at_till: np.ndarray  # non-members who give their number at the POS
    opt_in: np.ndarray  # marketing consent given at sign-up
    platform_p: np.ndarray  # (n, 3) session platform probabilities
    favourite: np.ndarray  # category index
    start: np.ndarray  # first active day
    end: np.ndarray  # day after the last active one
    online_rate: np.ndarray
    store_rate: np.ndarray
    anon_sessions: np.ndarray  # sessions on the first device before signing in
    switch_day: np.ndarray  # day a new phone (or cleared cookies) brings a new device id
    model: np.ndarray  # index into DEVICE_MODELS
    app_anon: list[list[str]]  # two SDK anonymousIds per person: old and new phone
    device_id: list[list[str]]
    web_anon: list[list[str]]
    mini_anon: list[str]
    openid: list[str]
    unionid: list[str]
    wifi_id: list[str]
    pay_account: list[str]  # the payer's WeChat Pay / Alipay account as the till gets it

    def __len__(self) -> int:
        return len(self.persona)


def build_people(rng: np.random.Generator, size: Size, stores: tuple[StoreSpec, ...],
                 days: int) -> People:
    n = size.customers + size.visitors
    persona = np.concatenate([
        rng.choice(4, size.customers, p=CUSTOMER_MIX),
        np.where(rng.random(size.visitors) < 0.5, VISITOR, WALKIN),
    ]).astype(np.int8)
    store, city = _homes(rng, persona, stores)
    female = rng.random(n) < 0.72
    start, end = _windows(rng, persona, days)
    is_member = _members(rng, persona)
    has_account = np.isin(persona, (ONLINE, BROWSE_STORE, STORE_ONLINE))
    main = rows_choice(rng, _PLATFORM_MIX[persona])
    platform_p = np.full((n, 3), 0.1)
    platform_p[np.arange(n), main] = 0.8
    platform_p[persona == STORE_ONLINE, WEB] = 0.0
    platform_p /= platform_p.sum(axis=1, keepdims=True)
    multiplier = rng.lognormal(-0.3, 0.8, n) * size.activity
    user_ids = ids.coded_ids(rng, n, "u", 8)
    member_ids = ids.coded_ids(rng, n, "HM", 8)
    mail = ids.emails(rng, n)
    has_mail = rng.random(n) < 0.35
    fav_p = _FAVOURITE[(~female).astype(int)]
    return People(
        persona=persona,
        store=store,
        city=city,
        female=female,
        birthday=_birthdays(rng, n),
        name=ids.chinese_names(rng, female),
        phone=ids.mobile_numbers(rng, n),
        phone_style=rng.choice(5, n, p=[0.5, 0.05, 0.25, 0.12, 0.08]).astype(np.int8),
        email=[m if ok else None for m, ok in zip(mail, has_mail, strict=True)],
        user_id=[u if ok else None for u, ok in zip(user_ids, has_account, strict=True)],
        member_id=[m if ok else None for m, ok in zip(member_ids, is_member, strict=True)],
        phone_at_till=rng.random(n) < 0.8,
        opt_in=rng.random(n) < 0.62,
        platform_p=platform_p,
        favourite=rows_choice(rng, fav_p / fav_p.sum(axis=1, keepdims=True)),
        start=start,
        end=end,
        online_rate=_ONLINE_RATE[persona] * multiplier,
        store_rate=_STORE_RATE[persona] * multiplier,
        anon_sessions=np.where(persona == STORE_ONLINE, 0,
                               rng.choice(4, n, p=[0.35, 0.35, 0.2, 0.1])),
        switch_day=np.where(rng.random(n) < 0.15, rng.integers(0, days, n), days + 1),
        model=rng.choice(len(DEVICE_MODELS), n, p=_MODEL_WEIGHTS),
        app_anon=_pairs(ids.uuids(rng, 2 * n)),
        device_id=_pairs(ids.uuids(rng, 2 * n, upper=True)),
        web_anon=_pairs(ids.uuids(rng, 2 * n)),
        mini_anon=ids.uuids(rng, n),
        openid=ids.wechat_ids(rng, n),
        unionid=ids.wechat_ids(rng, n),
        wifi_id=ids.hex_ids(rng, n, 6, "wifi-"),
        pay_account=ids.hex_ids(rng, n, 12, "payer-"),
    )


def rows_choice(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One categorical draw per row of the probability matrix p."""
    cumulative = np.cumsum(p, axis=1)
    u = rng.random(len(p))[:, None] * cumulative[:, -1:]
    return np.minimum((u >= cumulative).sum(axis=1), p.shape[1] - 1)


def _pairs(values: list[str]) -> list[list[str]]:
    return [values[i : i + 2] for i in range(0, len(values), 2)]


def _homes(rng: np.random.Generator, persona: np.ndarray,
           stores: tuple[StoreSpec, ...]) -> tuple[np.ndarray, list[str]]:
    """Home store (bigger first stores draw more) and city; some online buyers live elsewhere."""
    n = len(persona)
    weights = 1 / (1 + 0.15 * np.arange(len(stores)))
    store = rng.choice(len(stores), n, p=weights / weights.sum()).astype(np.int16)
    elsewhere = (persona == ONLINE) & (rng.random(n) < 0.35) | (persona == VISITOR) & (
        rng.random(n) < 0.3)
    other_city = rng.integers(0, len(ONLINE_CITIES), n)
    city = [ONLINE_CITIES[other_city[i]] if elsewhere[i] else stores[store[i]].city
            for i in range(n)]
    store[elsewhere] = -1
    return store, city


def _windows(rng: np.random.Generator, persona: np.ndarray,
             days: int) -> tuple[np.ndarray, np.ndarray]:
    """Active days [start, end): some were customers before the year began; some churn."""
    n = len(persona)
    start = np.where(rng.random(n) < 0.4, 0, rng.integers(0, days - 14, n))
    churn = rng.random(n) < 0.3
    end = np.where(churn, start + 30 + rng.exponential(150, n).astype(int), days)
    short = persona == VISITOR
    end = np.where(short, start + 1 + rng.exponential(20, n).astype(int), end)
    end = np.where(persona == WALKIN, start + 1 + rng.exponential(60, n).astype(int), end)
    return start, np.minimum(end, days)


def _members(rng: np.random.Generator, persona: np.ndarray) -> np.ndarray:
    chance = np.array([0.45, 0.75, 1.0, 1.0, 0.0, 0.0])[persona]
    return np.asarray(rng.random(len(persona)) < chance)


def _birthdays(rng: np.random.Generator, n: int) -> list[str]:
    year = np.clip(rng.normal(1994, 8, n).astype(int), 1962, 2007)
    day = rng.integers(0, 365, n)
    base = np.datetime64("2001-01-01") + day.astype("timedelta64[D]")
    month_day = np.datetime_as_string(base)  # 2001-MM-DD: never 29 February
    return [f"{y}{md[4:]}" for y, md in zip(year, month_day, strict=True)]
