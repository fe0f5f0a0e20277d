"""Issuing coupons: an online claim, a clerk in store, a bulk list, points, rewards.

Two guards make a claim storm safe on every backend. The per-person count is one upsert
that only increments below the limit (`INSERT … ON CONFLICT DO UPDATE … WHERE claimed <
limit`), and the stock is one conditional update (`issued = issued + 1 WHERE issued <
stock`). Each is atomic on PostgreSQL under concurrency (row locks, re-checked after the
wait) and SQLite runs one writer at a time; both run in a savepoint, so a refusal leaves
nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from datong.auth.tokens import Principal
from datong.errors import Conflict, DatongError, Forbidden
from datong.offers import codes
from datong.offers.access import actor, require_channel_actor, require_manager
from datong.offers.context import OffersContext
from datong.offers.coupons import COUPON_TIMES, CouponRow, view
from datong.offers.people import resolve
from datong.offers.places import store_id
from datong.offers.tables import coupons
from datong.offers.templates import _template_row, load_terms, template_with_terms
from datong.offers.terms import Terms, validity
from datong.store.raw import RawStatement
from datong.store.types import utcnow


@dataclass(frozen=True)
class Issue:
    """One coupon to issue: to whom, how, by whom."""

    template_id: int
    person_id: int
    anchor_id: int | None
    source: str  # claim | bulk | points | referral | clerk | reservation
    channel: str  # online | offline
    store_id: int | None
    actor: str
    issue_key: str | None = None


def issue(db: Connection, ctx: OffersContext, req: Issue, *, now: datetime | None = None,
          loaded: tuple[Any, Terms] | None = None) -> tuple[Any, bool]:
    """Issue one coupon, or find the one already issued under `issue_key`.
    Answers (coupon row, created?)."""
    if req.issue_key is not None:
        found = _by_key(db, req.issue_key)
        if found is not None:
            if found.template_id != req.template_id:
                raise Conflict("this idempotency key was used for another coupon template",
                               code="idempotency_key_reused", field="idempotency_key")
            return found, False
    now = now or utcnow()
    template, terms = loaded or template_with_terms(db, req.template_id)
    check_open(template, terms, now)
    _check_tier(db, ctx, terms, req.person_id)
    if req.issue_key is None:
        row = _take(db, template, terms, req, now)
    else:
        row = _take_once(db, template, terms, req, now)
        if row is None:  # the same key issued concurrently: that coupon is the answer
            return _by_key(db, req.issue_key), False
    ctx.outbox.emit(
        db, "Coupon Claimed", person_id=req.person_id, channel=req.channel,
        store_id=req.store_id, actor=req.actor,
        properties={"coupon_id": row.id, "template_id": template.id, "version": row.version,
                    "source": req.source, "code": codes.mask(row.code),
                    "valid_until": row.valid_until.isoformat()})
    return row, True


def _take_once(db: Connection, template: Any, terms: Terms, req: Issue, now: datetime
               ) -> Any:
    """`_take` in a savepoint: a concurrent issue under the same key rolls back only it."""
    try:
        with db.begin_nested():
            return _take(db, template, terms, req, now)
    except IntegrityError:
        if _by_key(db, str(req.issue_key)) is None:
            raise
        return None


def _by_key(db: Connection, key: str) -> Any:
    return db.execute(select(coupons).where(coupons.c.issue_key == key)).first()


def check_open(template: Any, terms: Terms, now: datetime) -> None:
    """Refuse at once (before any write) when the template issues nothing now."""
    if template.status != "active":
        raise Conflict(f"coupon template {template.id} is {template.status}",
                       code="template_inactive", params={"status": str(template.status)})
    if terms.valid_until is not None and terms.valid_until <= now:
        raise Conflict(f"coupon template {template.id} ended on {terms.valid_until:%Y-%m-%d}",
                       code="template_ended", params={"until_at": terms.valid_until.isoformat()})
    if template.stock is not None and template.issued >= template.stock:
        raise Conflict(f"coupon template {template.id} is out of stock", code="out_of_stock")


def _check_tier(db: Connection, ctx: OffersContext, terms: Terms, person_id: int) -> None:
    if terms.eligible_tiers:
        tier = ctx.membership.tier_of(db, person_id)
        if tier not in terms.eligible_tiers:
            held = f"tier {tier}" if tier else "no membership"
            raise Forbidden(f"this coupon is for the tiers {', '.join(terms.eligible_tiers)}; "
                            f"the person has {held}", code="not_eligible",
                            params={"tiers": ", ".join(terms.eligible_tiers)})


def _take(db: Connection, template: Any, terms: Terms, req: Issue, now: datetime) -> Any:
    """Count the person's claim, take one from the stock, write the coupon."""
    if not _count_claim(db, template.id, req.person_id, template.per_person_limit):
        raise Conflict(f"the person already holds the most coupons of template "
                       f"{template.id} allowed ({template.per_person_limit})",
                       code="limit_reached", params={"limit": int(template.per_person_limit)})
    taken = _TAKE_STOCK.execute(db, {"template": template.id})
    if taken.rowcount != 1:
        raise Conflict(f"coupon template {template.id} is out of stock", code="out_of_stock")
    start, until = validity(terms, now)
    values = {
        "code": codes.new_code(), "template_id": template.id, "version": template.version,
        "person_id": req.person_id, "anchor_identifier_id": req.anchor_id, "status": "issued",
        "source": req.source, "claim_channel": req.channel, "claim_store_id": req.store_id,
        "issued_by": req.actor, "issued_at": now, "valid_from": start, "valid_until": until,
        "issue_key": req.issue_key,
    }
    found = _NEW_COUPON.one(db, values)
    assert found is not None
    return CouponRow(*found)


_TAKE_STOCK = RawStatement("""
    UPDATE coupon_templates SET issued = issued + 1
    WHERE id = :template AND (stock IS NULL OR issued < stock)""")
_NEW_COUPON = RawStatement(f"""
    INSERT INTO coupons (code, template_id, version, person_id, anchor_identifier_id, status,
        source, claim_channel, claim_store_id, issued_by, issued_at, valid_from, valid_until,
        issue_key)
    VALUES (:code, :template_id, :version, :person_id, :anchor_identifier_id, :status,
        :source, :claim_channel, :claim_store_id, :issued_by, :issued_at, :valid_from,
        :valid_until, :issue_key)
    RETURNING {", ".join(CouponRow._fields)}""",
    times=("issued_at", "valid_from", "valid_until"), result_times=COUPON_TIMES)
# Counts the person's claim unless the person holds the limit already.
_COUNT_CLAIM = RawStatement("""
    INSERT INTO coupon_claims (template_id, person_id, claimed) VALUES (:template, :person, 1)
    ON CONFLICT (template_id, person_id) DO UPDATE SET claimed = coupon_claims.claimed + 1
    WHERE coupon_claims.claimed < :limit
    RETURNING claimed""")


def _count_claim(db: Connection, template_id: int, person_id: int, limit: int) -> bool:
    return _COUNT_CLAIM.one(db, {"template": template_id, "person": person_id,
                                 "limit": limit}) is not None


def claim(*, db: Connection, ctx: OffersContext, principal: Principal, template_id: int,
          person: str, channel: str = "online", store: str | None = None,
          idempotency_key: str | None = None) -> dict[str, Any]:
    """A person claims a coupon online (the app's backend), or a clerk issues one in store."""
    where = store_id(db, store)
    require_channel_actor(principal, channel, where, "issuing a coupon")
    template, terms = template_with_terms(db, template_id)
    key = f"claim:{idempotency_key}" if idempotency_key else None
    if key is None:  # a storm on a sold-out template is refused before anything else
        check_open(template, terms, utcnow())
    person_id, anchor = resolve(db=db, rules=ctx.rules, person=person)
    source = "claim" if channel == "online" else "clerk"
    row, created = issue(db, ctx, Issue(template_id, person_id, anchor, source, channel, where,
                                        actor(principal), key), loaded=(template, terms))
    shown = terms if row.version == template.version else None
    return {**view(db, ctx, row, terms=shown, name=template.name), "created": created}


def issue_bulk(*, db: Connection, ctx: OffersContext, principal: Principal, template_id: int,
               persons: list[str], idempotency_key: str | None = None) -> dict[str, Any]:
    """Issue to each person of a list; a refusal for one (limit, unknown person, stock)
    is reported and the rest go on. With a key, running the same list again adds nothing."""
    require_manager(principal, "bulk issuing")
    _template_row(db, template_id)
    issued: list[dict[str, Any]] = []
    existing: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for person in persons:
        try:
            with db.begin_nested():
                person_id, anchor = resolve(db=db, rules=ctx.rules, person=person)
                key = f"bulk:{idempotency_key}:{person_id}" if idempotency_key else None
                row, created = issue(db, ctx, Issue(template_id, person_id, anchor, "bulk",
                                                    "online", None, actor(principal), key))
            (issued if created else existing).append({"person": person, "coupon_id": row.id})
        except DatongError as exc:
            refused.append({"person": person, "code": exc.code, "message": exc.message})
    return {"template_id": template_id, "issued": issued, "already_issued": existing,
            "refused": refused}


def exchange_points(*, db: Connection, ctx: OffersContext, principal: Principal,
                    template_id: int, person: str, idempotency_key: str,
                    channel: str = "online", store: str | None = None) -> dict[str, Any]:
    """Exchange a member's points for a coupon: both happen, or neither."""
    where = store_id(db, store)
    require_channel_actor(principal, channel, where, "a points exchange")
    person_id, anchor = resolve(db=db, rules=ctx.rules, person=person)
    template = _template_row(db, template_id)
    cost = load_terms(db, template_id, template.version).points_cost
    if cost is None:
        raise Conflict(f"coupon template {template_id} cannot be exchanged for points",
                       code="not_for_points", field="template_id")
    row, created = issue(db, ctx, Issue(template_id, person_id, anchor, "points", channel,
                                        where, actor(principal), f"points:{idempotency_key}"))
    balance = None
    if created:
        balance = ctx.membership.spend_points(
            db, person_id=person_id, points=cost, cause_ref=f"coupon:{row.id}",
            idempotency_key=f"coupon-exchange:{idempotency_key}", actor=actor(principal),
            channel=channel, store_id=where)
    return {**view(db, ctx, row), "created": created, "points_spent": cost if created else 0,
            "points_balance": balance}
