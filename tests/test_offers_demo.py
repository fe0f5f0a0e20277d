"""The demo world holds offers in every state: claimed, redeemed in store and online,
expired coupons; referrals; bookings checked in and missed."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, select

from datong.demo.loader import load_demo
from datong.demo.offers import load_offers
from datong.offers.tables import coupon_redemptions, coupons, referrals, reservations
from datong.pipeline import event_hooks
from datong.settings import Settings


def test_demo_offers(engine: Engine, settings: Settings) -> None:
    load_demo(engine=engine, size="tiny", seed=5, hooks=event_hooks(settings))
    report = load_offers(engine=engine, settings=settings, seed=5)
    assert report.claimed > 10 and not report.skipped
    with engine.connect() as db:
        statuses = Counter(db.execute(select(coupons.c.status)).scalars())
        channels = Counter(db.execute(select(coupon_redemptions.c.channel)).scalars())
        claimed_online_used_in_store = db.execute(
            select(coupons.c.id).join(coupon_redemptions,
                                      coupon_redemptions.c.id == coupons.c.redemption_id)
            .where(coupons.c.claim_channel == "online",
                   coupon_redemptions.c.channel == "offline")).first()
        referral_states = set(db.execute(select(referrals.c.status)).scalars())
        booking_states = set(db.execute(select(reservations.c.status)).scalars())
        rewarded = db.execute(select(referrals.c.invitee_coupon_id).where(
            referrals.c.status == "granted")).scalars().all()
    assert {"issued", "redeemed", "expired"} <= set(statuses)
    assert channels["online"] > 0 and channels["offline"] > 0
    assert claimed_online_used_in_store is not None
    assert {"granted", "pending"} <= referral_states
    assert rewarded and all(rewarded)
    assert {"booked", "checked_in", "no_show"} <= booking_states
    assert load_offers(engine=engine, settings=settings, seed=5).skipped
