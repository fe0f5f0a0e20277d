"""The demo's offers, made through the offers services after the events are loaded: coupons
claimed online and redeemed in store or online, coupons that expired, referrals in every
state, experiences with bookings checked in, cancelled and missed.

Deterministic for a seed (who claims what), and done once per store: a re-run that finds the
demo's templates leaves offers alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from datong.auth.roles import Role
from datong.auth.tables import staff
from datong.auth.tokens import Principal
from datong.errors import DatongError
from datong.identity.tables import identifiers
from datong.offers import redemption, referral, reservations
from datong.offers.access import SYSTEM
from datong.offers.context import OffersContext
from datong.offers.expiry import expire_coupons
from datong.offers.issuing import Issue, issue
from datong.offers.schemas import TemplateCreate
from datong.offers.tables import coupon_templates
from datong.offers.templates import create_template
from datong.pipeline import outbox
from datong.settings import Settings
from datong.store.types import utcnow

MARK = "【演示】"


@dataclass
class OffersReport:
    claimed: int = 0
    redeemed_in_store: int = 0
    redeemed_online: int = 0
    expired: int = 0
    referrals: int = 0
    bookings: int = 0
    skipped: bool = False


def _templates(now: datetime) -> list[dict[str, Any]]:
    return [
        {"name": "到店礼 满300减50", "kind": "amount_off", "amount_off": 5000,
         "min_spend": 30000, "valid_days": 30, "channels": "offline", "stock": 5000},
        {"name": "App 专享 8折券", "kind": "percent_off", "percent_off": 20,
         "max_discount": 10000, "valid_days": 14, "channels": "online"},
        {"name": "双11 满减", "kind": "threshold", "valid_until": now + timedelta(days=20),
         "tiers": [{"spend": 30000, "off": 3000}, {"spend": 60000, "off": 8000}],
         "stacks": True},
        {"name": "夏季试用装", "kind": "free_gift", "gift": "GIFT-MINI-SERUM", "valid_days": 7},
        {"name": "邀请有礼 20元", "kind": "amount_off", "amount_off": 2000, "valid_days": 60,
         "per_person_limit": 200},
        {"name": "新人券 10元", "kind": "amount_off", "amount_off": 1000, "valid_days": 30},
        {"name": "积分兑换 20元", "kind": "points_exchange", "amount_off": 2000,
         "points_cost": 2000, "valid_days": 90},
        {"name": "到店体验礼", "kind": "free_gift", "gift": "GIFT-TOTE-BAG", "valid_days": 30,
         "channels": "offline", "per_person_limit": 5},
    ]

# Template ids by position above, for the settings a demo server runs with.
REFERRAL_INVITER, REFERRAL_INVITEE = 4, 5


def load_offers(*, engine: Engine, settings: Settings, seed: int) -> OffersReport:
    """Make the demo's offers once (a store that has them is left alone)."""
    ctx = OffersContext.build(settings, outbox(settings))
    with engine.begin() as db:
        if db.execute(select(coupon_templates.c.id).where(
                coupon_templates.c.name.startswith(MARK))).first():
            return OffersReport(skipped=True)
        report = _make(db, ctx, random.Random(seed))
    return report


def _make(db: Connection, ctx: OffersContext, rng: random.Random) -> OffersReport:
    now = utcnow()
    report = OffersReport()
    ids = [create_template(db=db, principal=SYSTEM, data=TemplateCreate.model_validate(
        {**t, "name": MARK + t["name"]}))["id"] for t in _templates(now)]
    people = _customers(db)
    clerks = _clerks(db)
    if not people or not clerks:
        return report
    _coupons(db, ctx, rng, ids, people, clerks, now, report)
    rewards = ctx.settings.model_copy(update={
        "referral_inviter_template": ids[REFERRAL_INVITER],
        "referral_invitee_template": ids[REFERRAL_INVITEE]})
    _referrals(db, OffersContext.build(rewards, ctx.outbox), rng, people, report)
    _reservations(db, ctx, rng, people, clerks, now, ids[7], report)
    return report


def _customers(db: Connection) -> list[str]:
    """Demo customers known by user id (they have the app): `user_id:…` identifiers."""
    rows = db.execute(select(identifiers.c.value).where(
        identifiers.c.type == "user_id", identifiers.c.person_id.is_not(None))
        .order_by(identifiers.c.id)).scalars()
    return [f"user_id:{v}" for v in rows]


def _clerks(db: Connection) -> list[tuple[Principal, str]]:
    from datong.stores.tables import stores

    rows = db.execute(select(staff.c.id, staff.c.username, staff.c.store_id, stores.c.code)
                      .join(stores, stores.c.id == staff.c.store_id)
                      .where(staff.c.role == "clerk").order_by(staff.c.id)).all()
    return [(Principal("staff", r.id, r.username, Role.clerk, r.store_id), r.code)
            for r in rows]


def _claim(db: Connection, ctx: OffersContext, template: int, person: str, *,
           when: datetime | None = None) -> Any:
    from datong.offers.people import resolve

    person_id, anchor = resolve(db=db, rules=ctx.rules, person=person)
    row, _ = issue(db, ctx, Issue(template, person_id, anchor, "claim", "online", None,
                                  "token:demo-app"), now=when)
    return row


def _coupons(db: Connection, ctx: OffersContext, rng: random.Random, ids: list[int],
             people: list[str], clerks: list[tuple[Principal, str]], now: datetime,
             report: OffersReport) -> None:
    sample = rng.sample(people, min(len(people), 1500))
    for i, person in enumerate(sample):
        try:
            with db.begin_nested():
                report.claimed += _one_customer(db, ctx, rng, i, person, ids, clerks, now,
                                                report)
        except DatongError:
            continue  # a refusal (limit, stock) is part of a real world too
    report.expired = expire_coupons(db=db, ctx=ctx, now=now)


def _one_customer(db: Connection, ctx: OffersContext, rng: random.Random, i: int,
                  person: str, ids: list[int], clerks: list[tuple[Principal, str]],
                  now: datetime, report: OffersReport) -> int:
    claimed = 0
    if i % 3 == 0:  # claimed online, maybe redeemed in store
        row = _claim(db, ctx, ids[0], person)
        claimed += 1
        if rng.random() < 0.45:
            clerk, store = rng.choice(clerks)
            redemption.redeem(db=db, ctx=ctx, principal=clerk, code=row.code,
                              order_id=f"{store}-DEMO-{row.id:06d}",
                              order_amount=rng.randrange(30000, 90000, 100),
                              channel="offline", store=store, idempotency_key=f"demo-{row.id}")
            report.redeemed_in_store += 1
    if i % 4 == 1:  # app coupon, redeemed at the online checkout
        row = _claim(db, ctx, ids[1], person)
        claimed += 1
        if rng.random() < 0.5:
            redemption.redeem(db=db, ctx=ctx, principal=SYSTEM, code=row.code,
                              order_id=f"APP-DEMO-{row.id:06d}",
                              order_amount=rng.randrange(9900, 60000, 100), channel="online",
                              idempotency_key=f"demo-{row.id}")
            report.redeemed_online += 1
    if i % 5 == 2:
        _claim(db, ctx, ids[2], person)
        claimed += 1
    if i % 6 == 3:  # claimed in summer, never used: the expiry job marks it
        _claim(db, ctx, ids[3], person, when=now - timedelta(days=rng.randrange(40, 120)))
        claimed += 1
    return claimed


def _referrals(db: Connection, ctx: OffersContext, rng: random.Random, people: list[str],
               report: OffersReport) -> None:
    if len(people) < 10:
        return
    pool = rng.sample(people, min(len(people), 120))
    inviters, invitees = pool[:20], pool[20:]
    for n, invitee in enumerate(invitees):
        code = referral.share_code(db=db, ctx=ctx, principal=SYSTEM,
                                   person=inviters[n % len(inviters)])
        try:
            with db.begin_nested():
                made = referral.record(db=db, ctx=ctx, principal=SYSTEM, code=code["code"],
                                       invitee=invitee)
                if made["status"] == "pending" and n % 3 != 0:
                    # stands in for the invitee's enrolment (the membership domain's event)
                    referral.grant(db, ctx, made["id"])
                report.referrals += 1
        except DatongError:
            continue


def _reservations(db: Connection, ctx: OffersContext, rng: random.Random, people: list[str],
                  clerks: list[tuple[Principal, str]], now: datetime, coupon: int,
                  report: OffersReport) -> None:
    stores = sorted({store for _, store in clerks})[:2]
    names = [("肌肤测试", "20 分钟专业肤质检测"), ("DIY 香薰课", "60 分钟手作香薰蜡烛")]
    for (name, text), store in zip(names, stores, strict=False):
        exp = reservations.create_experience(db=db, principal=SYSTEM, store=store, name=name,
                                             description=text, coupon_template_id=coupon)
        hour = now.replace(minute=0, second=0, microsecond=0)
        starts = [hour - timedelta(days=1), hour + timedelta(minutes=15)] + [
            hour + timedelta(days=d, hours=h) for d in range(1, 6) for h in (2, 6)]
        slots = reservations.add_slots(db=db, principal=SYSTEM, experience_id=exp["id"],
                                       slots=[(s, s + timedelta(hours=1), 6) for s in starts])
        clerk = next(c for c, s in clerks if s == store)
        for slot in slots:
            _fill(db, ctx, rng, people, slot, clerk, store, now, report)
    reservations.mark_no_shows(db=db, now=now)


def _fill(db: Connection, ctx: OffersContext, rng: random.Random, people: list[str],
          slot: dict[str, Any], clerk: Principal, store: str, now: datetime,
          report: OffersReport) -> None:
    booked_at = slot["starts_at"] - timedelta(days=2)
    for person in rng.sample(people, min(len(people), rng.randrange(2, 7))):
        try:
            with db.begin_nested():
                made = reservations.book(db=db, ctx=ctx, principal=SYSTEM, slot_id=slot["id"],
                                         person=person, now=min(booked_at, now))
                report.bookings += 1
                if slot["starts_at"] < now and rng.random() < 0.6:
                    reservations.check_in(db=db, ctx=ctx, principal=clerk, store=store,
                                          code=made["code"],
                                          now=slot["starts_at"] + timedelta(minutes=5))
                elif slot["starts_at"] > now + timedelta(days=1) and rng.random() < 0.15:
                    reservations.cancel(db=db, ctx=ctx, principal=SYSTEM,
                                        reservation_id=made["id"])
        except DatongError:
            continue
