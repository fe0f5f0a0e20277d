"""Reading coupons: one by id or code, a person's wallet; the public shape of a coupon."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from datong.errors import NotFound
from datong.identity.service import current_person
from datong.offers import codes
from datong.offers.context import OffersContext
from datong.offers.places import store_code
from datong.offers.tables import coupon_redemptions, coupon_templates, coupons
from datong.offers.templates import load_terms
from datong.offers.terms import Terms

CODE_LENGTH = codes.COUPON_RANDOM + 1


class CouponRow(NamedTuple):
    """A coupon row, as written by the issuing path (the columns of `coupons`, in order)."""

    id: int
    code: str
    template_id: int
    version: int
    person_id: int
    anchor_identifier_id: int | None
    status: str
    source: str
    claim_channel: str
    claim_store_id: int | None
    issued_by: str
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime
    redemption_id: int | None
    expired_at: datetime | None
    issue_key: str | None


COUPON_TIMES = tuple(CouponRow._fields.index(n) for n in
                     ("issued_at", "valid_from", "valid_until", "expired_at"))


def coupon_row(db: Connection, *, coupon_id: int | None = None, code: str | None = None,
               lock: bool = False) -> Any:
    query = select(coupons)
    query = query.where(coupons.c.id == coupon_id) if coupon_id is not None else query.where(
        coupons.c.code == code)
    row = db.execute(query.with_for_update() if lock else query).first()
    if row is None:
        shown = f"code {codes.mask(code)}" if code else f"id {coupon_id}"
        raise NotFound(f"no coupon with {shown}", field="code" if code else "coupon_id",
                       code="unknown_coupon")
    return row


def view(db: Connection, ctx: OffersContext, row: Any, *, reveal: bool = True,
         terms: Terms | None = None, name: str | None = None) -> dict[str, Any]:
    """A coupon as its holder's app or the console shows it. `reveal=False` masks the code
    (for anyone but the holder's backend). `terms` and `name` spare a look-up."""
    terms = terms or load_terms(db, row.template_id, row.version)
    name = name or db.execute(select(coupon_templates.c.name)
                              .where(coupon_templates.c.id == row.template_id)).scalar()
    out: dict[str, Any] = {
        "id": row.id, "template_id": row.template_id, "version": row.version, "name": name,
        "person_id": row.person_id, "status": row.status, "source": row.source,
        "claim_channel": row.claim_channel,
        "claim_store": store_code(db, row.claim_store_id),
        "issued_at": row.issued_at, "valid_from": row.valid_from,
        "valid_until": row.valid_until, "terms": terms.model_dump(mode="json"),
        "code": row.code if reveal else codes.mask(row.code),
    }
    if reveal:
        out["code_display"] = codes.group(row.code)
        out["qr"] = codes.qr_payload(ctx.secret_key, row.code)
    if row.redemption_id is not None:
        out["redemption"] = redemption_summary(db, row.redemption_id)
    return out


def redemption_summary(db: Connection, redemption_id: int) -> dict[str, Any]:
    r = db.execute(select(coupon_redemptions)
                   .where(coupon_redemptions.c.id == redemption_id)).first()
    assert r is not None
    return {"id": r.id, "order_id": r.order_id, "order_amount": r.order_amount,
            "discount": r.discount, "channel": r.channel, "store": store_code(db, r.store_id),
            "redeemed_at": r.redeemed_at, "status": r.status}


def get_coupon(*, db: Connection, ctx: OffersContext, coupon_id: int) -> dict[str, Any]:
    return view(db, ctx, coupon_row(db, coupon_id=coupon_id))


def person_coupons(*, db: Connection, ctx: OffersContext, person_id: int,
                   status: str | None = None) -> list[dict[str, Any]]:
    """A person's coupons (following a merged person to the survivor), newest first."""
    person = current_person(db=db, person_id=person_id)
    query = select(coupons).where(coupons.c.person_id == person)
    if status is not None:
        query = query.where(coupons.c.status == status)
    rows = db.execute(query.order_by(coupons.c.id.desc()))
    return [view(db, ctx, r) for r in rows]
