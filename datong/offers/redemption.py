"""Validating and redeeming a coupon, at a store counter or the online checkout.

Exactly once: the redemption is one conditional update (`status = 'redeemed' WHERE status =
'issued'`). On PostgreSQL concurrent attempts queue on the coupon's row and re-check the
condition after the wait, so one wins and the others find it redeemed; SQLite runs one
writer at a time. The idempotency key is unique: a replay answers the first answer, and an
attempt that lost the race to its own earlier retry finds that answer too.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, select

from datong.auth.tokens import Principal
from datong.errors import Conflict, DatongError, Invalid, NotFound
from datong.offers import codes
from datong.offers.access import actor, require_channel_actor
from datong.offers.context import OffersContext
from datong.offers.coupons import CODE_LENGTH
from datong.offers.places import store_code, store_id
from datong.offers.tables import (
    coupon_orders,
    coupon_redemptions,
)
from datong.offers.templates import version_terms
from datong.offers.terms import Terms, allows_channel, discount, threshold_floor
from datong.store.raw import RawStatement
from datong.store.types import utcnow

logger = logging.getLogger(__name__)


def read_code(ctx: OffersContext, *, code: str | None, qr: str | None) -> str:
    """The canonical code from typed text or a scanned QR payload; a forged QR, a typo or a
    wrong length is refused here, before any lookup."""
    if (code is None) == (qr is None):
        raise Invalid("give exactly one of code or qr", field="code")
    if qr is not None:
        return codes.verify_qr(ctx.secret_key, qr, length=CODE_LENGTH)
    assert code is not None
    return codes.normalise(code, length=CODE_LENGTH)


def assess(db: Connection, row: Any, terms: Terms, *, amount: int, channel: str,
           store: str | None, order_id: str | None, now: datetime,
           check_order: bool = True) -> None:
    """Raise the first reason this coupon cannot be used on this order, if any."""
    if row.status == "redeemed":
        raise _redeemed(db, row)
    if row.status == "expired" or now >= row.valid_until:
        raise Conflict(f"this coupon expired on {row.valid_until:%Y-%m-%d %H:%M} UTC",
                       code="expired", params={"until_at": row.valid_until.isoformat()})
    if now < row.valid_from:
        raise Conflict(f"this coupon is valid from {row.valid_from:%Y-%m-%d %H:%M} UTC",
                       code="not_yet_valid", params={"from_at": row.valid_from.isoformat()})
    if not allows_channel(terms, channel):
        where = "online" if terms.channels == "online" else "in store"
        raise Conflict(f"this coupon can only be redeemed {where}", code="wrong_channel",
                       params={"channel": str(terms.channels)})
    if channel == "offline" and terms.stores and store not in terms.stores:
        raise Conflict(f"this coupon is for the stores {', '.join(terms.stores)} only",
                       code="store_not_allowed", params={"stores": ", ".join(terms.stores)})
    floor = threshold_floor(terms)
    if amount < floor:
        raise Conflict(f"this coupon needs an order of at least ¥{floor / 100:.2f}; this one "
                       f"is ¥{amount / 100:.2f}", code="below_min_spend",
                       params={"min_fen": floor, "amount_fen": amount})
    if order_id is not None and check_order:
        _check_stacking(db, terms, order_id)


def _redeemed(db: Connection, row: Any) -> Conflict:
    r = db.execute(select(coupon_redemptions).where(
        coupon_redemptions.c.id == row.redemption_id)).first()
    if r is None:
        return Conflict("this coupon has already been redeemed", code="already_redeemed")
    store = store_code(db, r.store_id) if r.channel == "offline" else None
    where = f"in store {store}" if store else "online"
    return Conflict(
        f"this coupon was already redeemed {where} at {r.redeemed_at:%Y-%m-%d %H:%M:%S} UTC",
        code="already_redeemed", params={"channel": str(r.channel), "store": store or "",
                                         "redeemed_at": r.redeemed_at.isoformat()})


def _check_stacking(db: Connection, terms: Terms, order_id: str) -> None:
    held = db.execute(select(coupon_orders).where(coupon_orders.c.order_id == order_id)).first()
    if held is not None and held.coupons > 0 and (held.exclusive or not terms.stacks):
        raise Conflict(_stacking_message(terms), code="does_not_stack")


def _stacking_message(terms: Terms) -> str:
    if not terms.stacks:
        return "this coupon cannot be combined with the coupon already used on this order"
    return "the coupon already used on this order cannot be combined with another"


class _Coupon(NamedTuple):
    id: int
    code: str
    template_id: int
    version: int
    person_id: int
    status: str
    claim_channel: str
    claim_store_id: int | None
    valid_from: datetime
    valid_until: datetime
    redemption_id: int | None
    template_name: str
    terms: Any
    replay_id: int | None


# The coupon, its template's name, the terms of its version and — given an idempotency key —
# the redemption already made under it, in one statement.
_COUPON = RawStatement("""
    SELECT c.id, c.code, c.template_id, c.version, c.person_id, c.status, c.claim_channel,
           c.claim_store_id, c.valid_from, c.valid_until, c.redemption_id, t.name, v.terms,
           (SELECT r.id FROM coupon_redemptions r WHERE r.idempotency_key = :key)
    FROM coupons c
    JOIN coupon_templates t ON t.id = c.template_id
    JOIN coupon_template_versions v ON v.template_id = c.template_id AND v.version = c.version
    WHERE c.code = :code""", result_times=(8, 9), result_json=(12,))


def _load(db: Connection, ctx: OffersContext, code: str, key: str | None = None
          ) -> tuple[_Coupon, Terms, str]:
    found = _COUPON.one(db, {"code": code, "key": key or ""})
    if found is None:
        raise NotFound(f"no coupon with code {codes.mask(code)}", field="code",
                       code="unknown_coupon")
    row = _Coupon(*found)
    terms = version_terms(db, row.template_id, row.version, row.terms)
    return row, terms, str(row.template_name)


def validate(*, db: Connection, ctx: OffersContext, principal: Principal,
             code: str | None = None, qr: str | None = None, order_amount: int, channel: str,
             store: str | None = None, order_id: str | None = None) -> dict[str, Any]:
    """What the coupon would take off this order, without redeeming it."""
    where = store_id(db, store)
    require_channel_actor(principal, channel, where, "checking a coupon")
    row, terms, name = _load(db, ctx, read_code(ctx, code=code, qr=qr))
    answer: dict[str, Any] = {
        "coupon_id": row.id, "code": codes.mask(row.code), "name": name,
        "kind": terms.kind, "order_amount": order_amount, "gift": terms.gift,
        "valid_until": row.valid_until, "status": row.status,
    }
    try:
        assess(db, row, terms, amount=order_amount, channel=channel, store=store,
               order_id=order_id, now=utcnow())
    except DatongError as exc:
        return {**answer, "redeemable": False, "discount": 0, "payable": order_amount,
                "reason": exc.as_dict()}
    off = discount(terms, order_amount)
    return {**answer, "redeemable": True, "discount": off, "payable": order_amount - off,
            "reason": None}


def redeem(*, db: Connection, ctx: OffersContext, principal: Principal,
           code: str | None = None, qr: str | None = None, order_id: str, order_amount: int,
           channel: str, store: str | None = None, idempotency_key: str) -> dict[str, Any]:
    """Redeem a coupon on an order, exactly once. A replay of the key answers the first
    answer; anything refused raises a Conflict naming why."""
    where = store_id(db, store)
    require_channel_actor(principal, channel, where, "redeeming a coupon")
    text = read_code(ctx, code=code, qr=qr)
    row, terms, name = _load(db, ctx, text, idempotency_key)
    fingerprint = _fingerprint(row.id, order_id, order_amount, channel, where)
    if row.replay_id is not None:
        return _replay(db, idempotency_key, fingerprint) or {}
    now = utcnow()
    off = discount(terms, order_amount)
    answer = {
        "status": "redeemed", "coupon_id": row.id, "code": codes.mask(row.code),
        "template_id": row.template_id, "name": name, "kind": terms.kind, "gift": terms.gift,
        "order_id": order_id, "order_amount": order_amount, "discount": off,
        "payable": order_amount - off, "channel": channel, "store": store,
        "claim_channel": row.claim_channel, "redeemed_at": now.isoformat(),
    }
    recorded = False
    try:
        # The order's stacking guard decides stacking (no separate read): it is the lock.
        assess(db, row, terms, amount=order_amount, channel=channel, store=store,
               order_id=order_id, now=now, check_order=False)
        held, made, won = _write(db, {
            "order_id": order_id, "exclusive": not terms.stacks, "coupon_id": row.id,
            "idempotency_key": idempotency_key, "fingerprint": fingerprint,
            "order_amount": order_amount, "discount": off, "channel": channel,
            "store_id": where, "actor": actor(principal), "redeemed_at": now,
            "response": answer})
        if not held:
            raise Conflict(_stacking_message(terms), code="does_not_stack")
        if made is None:  # the key is another request's: answered below if it is ours
            raise _key_taken()
        redemption_id, recorded = made, True
        if not won:
            raise Conflict("this coupon has just been redeemed by another request",
                           code="already_redeemed")
    except Conflict:
        # Our own retry may have won — unless the redemption row is ours, written just now.
        again = None if recorded else _replay(db, idempotency_key, fingerprint)
        if again is not None:
            return again
        logger.info("coupon %s refused for order %s", codes.mask(text), order_id)
        raise
    ctx.outbox.emit(
        db, "Coupon Redeemed", person_id=row.person_id, channel=channel, store_id=where,
        actor=actor(principal),
        properties={"coupon_id": row.id, "template_id": row.template_id,
                    "code": codes.mask(row.code), "order_id": order_id,
                    "order_amount": order_amount, "discount": off,
                    "claim_channel": row.claim_channel, "claim_store_id": row.claim_store_id,
                    "redemption_id": redemption_id})
    logger.info("coupon %s redeemed on order %s (%s)", codes.mask(text), order_id, channel)
    return {**answer, "redemption_id": redemption_id, "replayed": False}


def _fingerprint(coupon_id: int, order_id: str, amount: int, channel: str,
                 store: int | None) -> str:
    text = f"{coupon_id}|{order_id}|{amount}|{channel}|{store}"
    return hashlib.sha256(text.encode()).hexdigest()


_REPLAY = (select(coupon_redemptions.c.id, coupon_redemptions.c.fingerprint,
                  coupon_redemptions.c.response)
           .where(coupon_redemptions.c.idempotency_key == bindparam("key")))


def _replay(db: Connection, key: str, fingerprint: str) -> dict[str, Any] | None:
    found = db.execute(_REPLAY, {"key": key}).first()
    if found is None:
        return None
    if found.fingerprint != fingerprint:
        raise _key_taken()
    return {**found.response, "redemption_id": found.id, "replayed": True}


def _key_taken() -> Conflict:
    return Conflict("this idempotency key was used for another redemption",
                    code="idempotency_key_reused", field="idempotency_key")


# The redemption's writes, each only when the one before it wrote a row:
# - the order's stacking guard counts the coupon on its order unless the order's coupons and
#   this one do not stack;
# - the redemption record, written before the coupon's conditional update (a losing attempt
#   rolls it back with the rest); the key is unique, so a concurrent holder of the same key
#   makes it wait and then insert nothing (no error that would spoil the transaction);
# - the conditional update itself (`status = 'issued'`, re-checked after a row-lock wait).
_HOLD = RawStatement("""
    INSERT INTO coupon_orders (order_id, exclusive, coupons) VALUES (:order_id, :exclusive, 1)
    ON CONFLICT (order_id) DO UPDATE
    SET coupons = coupon_orders.coupons + 1, exclusive = excluded.exclusive
    WHERE coupon_orders.coupons = 0 OR (NOT coupon_orders.exclusive AND NOT excluded.exclusive)
    RETURNING coupons""")
_RECORD_VALUES = """(coupon_id, idempotency_key, fingerprint, order_id, order_amount,
        discount, channel, store_id, actor, status, redeemed_at, response)"""
_RECORD = RawStatement(f"""
    INSERT INTO coupon_redemptions {_RECORD_VALUES}
    VALUES (:coupon_id, :idempotency_key, :fingerprint, :order_id, :order_amount, :discount,
        :channel, :store_id, :actor, 'redeemed', :redeemed_at, :response)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id""", json=("response",), times=("redeemed_at",))
_REDEEM = RawStatement("""
    UPDATE coupons SET status = 'redeemed', redemption_id = :redemption
    WHERE id = :coupon AND status = 'issued'""")
# PostgreSQL runs the three as one statement (data-modifying CTEs): one round trip, not three.
_AT_ONCE = RawStatement(f"""
    WITH hold AS ({_HOLD.sql}),
    rec AS (
        INSERT INTO coupon_redemptions {_RECORD_VALUES}
        SELECT :coupon_id, :idempotency_key, :fingerprint, :order_id, :order_amount,
            :discount, :channel, :store_id, :actor, 'redeemed', :redeemed_at, :response
        WHERE EXISTS (SELECT 1 FROM hold)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id),
    won AS (
        UPDATE coupons SET status = 'redeemed', redemption_id = rec.id FROM rec
        WHERE coupons.id = :coupon_id AND coupons.status = 'issued'
        RETURNING coupons.id)
    SELECT (SELECT count(*) FROM hold), (SELECT id FROM rec), (SELECT id FROM won)""",
    json=("response",), times=("redeemed_at",))


def _write(db: Connection, values: dict[str, Any]) -> tuple[bool, int | None, bool]:
    """(the order's guard let the coupon on, the new redemption's id or None when the key is
    taken, the coupon went from issued to redeemed): the writes stop at the first that
    wrote nothing."""
    if db.dialect.name == "postgresql":
        found = _AT_ONCE.one(db, values)
        assert found is not None  # a SELECT of three scalars answers one row
        held, made, won = found
        return bool(held), None if made is None else int(made), won is not None
    if _HOLD.one(db, values) is None:
        return False, None, False
    made = _RECORD.one(db, values)
    if made is None:
        return True, None, False
    won = _REDEEM.execute(db, {"coupon": values["coupon_id"], "redemption": made[0]})
    return True, int(made[0]), won.rowcount == 1
