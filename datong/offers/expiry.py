"""The expiry job: coupons past their validity become `expired`, each with a `Coupon
Expired` event. Idempotent: an expired coupon is never expired again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from datong.offers import codes
from datong.offers.context import OffersContext
from datong.offers.tables import coupons
from datong.store.types import utcnow


def expire_coupons(*, db: Connection, ctx: OffersContext, now: datetime | None = None,
                   batch: int = 1000) -> int:
    """Expire every issued coupon whose validity ended before `now`; answers how many."""
    now = now or utcnow()
    done = 0
    while True:
        rows = db.execute(select(coupons).where(
            coupons.c.status == "issued", coupons.c.valid_until <= now)
            .order_by(coupons.c.id).limit(batch)).all()
        if not rows:
            return done
        for row in rows:
            moved = db.execute(update(coupons).where(coupons.c.id == row.id,
                                                     coupons.c.status == "issued")
                               .values(status="expired", expired_at=now))
            if moved.rowcount != 1:
                continue
            done += 1
            ctx.outbox.emit(
                db, "Coupon Expired", person_id=row.person_id, channel=row.claim_channel,
                store_id=row.claim_store_id, actor="system",
                dedup_key=f"coupon-expired:{row.id}",
                properties={"coupon_id": row.id, "template_id": row.template_id,
                            "code": codes.mask(row.code),
                            "valid_until": row.valid_until.isoformat()})
