"""Referral (分享裂变): a person's share code and link, invitees recorded as pending, both
rewarded when the invitee enrols or places a first order (DATONG_REFERRAL_TRIGGER).

Abuse limits use identity: no reward when inviter and invitee are (or have become) the same
person, or have both used one device, phone or payment account (the types are a setting);
a cap per inviter per day and in total; one referral per invitee. The grant locks the
inviter's code row, so concurrent grants count the caps one at a time.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update

from datong.auth.tokens import Principal
from datong.errors import Conflict, DatongError, NotFound
from datong.identity.service import current_person
from datong.offers import codes
from datong.offers.access import require_channel_actor
from datong.offers.context import OffersContext
from datong.offers.issuing import Issue, issue
from datong.offers.people import resolve, shared_types
from datong.offers.places import store_id
from datong.offers.tables import referral_codes, referrals
from datong.offers.templates import get_template
from datong.outbox.service import DomainEvent
from datong.store.types import utcnow

logger = logging.getLogger(__name__)
CODE_RANDOM = 7  # public codes, typed from a poster: short, still with a check character
CODE_LENGTH = CODE_RANDOM + 1


def share_code(*, db: Connection, ctx: OffersContext, principal: Principal, person: str,
               channel: str = "online", store: str | None = None) -> dict[str, Any]:
    """The person's share code (made on first ask), link and what its QR carries."""
    require_channel_actor(principal, channel, store_id(db, store), "a share code")
    person_id, anchor = resolve(db=db, rules=ctx.rules, person=person)
    row = db.execute(select(referral_codes).where(referral_codes.c.person_id == person_id)
                     .order_by(referral_codes.c.id)).first()
    if row is None:
        code = codes.new_code(CODE_RANDOM)
        db.execute(referral_codes.insert().values(code=code, person_id=person_id,
                                                  anchor_identifier_id=anchor,
                                                  created_at=utcnow()))
    else:
        code = row.code
    return {"person_id": person_id, "code": code, "link": share_link(ctx, code)}


def share_link(ctx: OffersContext, code: str) -> str:
    return f"{ctx.settings.referral_link_base}{code}"


def known_code(db: Connection, code: str) -> str:
    """The canonical form of a share code that exists (Invalid when mistyped, NotFound when
    nobody has it)."""
    return str(_code_row(db, code).code)


def invitation(*, db: Connection, ctx: OffersContext, code: str) -> dict[str, Any]:
    """What a share link shows the friend who opens it: the code, the link and the coupon
    an invitee is given (DATONG_REFERRAL_INVITEE_TEMPLATE), if one is set and active."""
    found = known_code(db, code)
    offer = None
    template_id = ctx.settings.referral_invitee_template
    if template_id is not None:
        try:
            offer = get_template(db=db, template_id=template_id)
        except NotFound:
            logger.warning("referral invitee template %s does not exist", template_id)
        if offer is not None and offer["status"] != "active":
            offer = None
    return {"code": found, "link": share_link(ctx, found), "offer": offer}


def _code_row(db: Connection, code: str, *, lock: bool = False) -> Any:
    text = codes.normalise(code, length=CODE_LENGTH, what="referral code", field="code")
    query = select(referral_codes).where(referral_codes.c.code == text)
    row = db.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("no referral code like this one", field="code", code="unknown_code")
    return row


def record(*, db: Connection, ctx: OffersContext, principal: Principal, code: str,
           invitee: str, channel: str = "online", store: str | None = None
           ) -> dict[str, Any]:
    """An invitee arrived through a share link or code: the referral is pending (or refused
    at once for abuse) until the trigger."""
    where = store_id(db, store)
    require_channel_actor(principal, channel, where, "recording a referral")
    invitee_id, anchor = resolve(db=db, rules=ctx.rules, person=invitee)
    row = _record(db, ctx, _code_row(db, code), invitee_id, anchor, channel, where)
    return referral_view(db, row)


def _record(db: Connection, ctx: OffersContext, code_row: Any, invitee_id: int,
            invitee_anchor: int | None, channel: str | None, where: int | None) -> Any:
    inviter = current_person(db=db, person_id=code_row.person_id)
    if inviter == invitee_id:
        raise Conflict("a person cannot refer themselves", code="self_referral")
    existing = db.execute(select(referrals.c.id).where(
        referrals.c.invitee_person_id == invitee_id)).first()
    if existing is not None:
        raise Conflict("this person was already referred", code="already_referred")
    result = db.execute(referrals.insert().values(
        code=code_row.code, inviter_person_id=inviter,
        inviter_anchor_id=code_row.anchor_identifier_id, invitee_person_id=invitee_id,
        invitee_anchor_id=invitee_anchor, status="pending",
        trigger=ctx.settings.referral_trigger, channel=channel, store_id=where,
        created_at=utcnow()))
    assert result.inserted_primary_key is not None
    row = _row(db, int(result.inserted_primary_key[0]))
    reason = _abuse(db, ctx, row)
    if reason is not None:
        _refuse(db, row.id, reason)
    return _row(db, row.id)


def _row(db: Connection, referral_id: int) -> Any:
    row = db.execute(select(referrals).where(referrals.c.id == referral_id)).first()
    if row is None:
        raise NotFound(f"no referral {referral_id}", field="referral_id")
    return row


def _abuse(db: Connection, ctx: OffersContext, row: Any) -> str | None:
    if row.inviter_person_id == row.invitee_person_id:
        return "inviter and invitee are the same person"
    shared = shared_types(db, row.inviter_person_id, row.invitee_person_id,
                          ctx.settings.referral_shared_identifiers)
    if shared:
        return f"inviter and invitee share a {', '.join(shared)}"
    return None


def _refuse(db: Connection, referral_id: int, reason: str) -> None:
    db.execute(update(referrals).where(referrals.c.id == referral_id,
                                       referrals.c.status == "pending")
               .values(status="refused", reason=reason, decided_at=utcnow()))


def grant(db: Connection, ctx: OffersContext, referral_id: int, *,
          now: datetime | None = None) -> Any:
    """Reward a pending referral — or refuse it if the limits say so. Never raises for a
    limit: the answer is the referral row as decided."""
    now = now or utcnow()
    row = _row(db, referral_id)
    code_row = _code_row(db, row.code, lock=True)  # one grant per inviter at a time
    if row.status != "pending" or code_row is None:
        return row
    reason = _abuse(db, ctx, row) or _over_cap(db, ctx, row.inviter_person_id, now)
    if reason is not None:
        _refuse(db, row.id, reason)
        return _row(db, row.id)
    rewards = {"inviter_coupon_id": _reward(db, ctx, row, "inviter"),
               "invitee_coupon_id": _reward(db, ctx, row, "invitee")}
    db.execute(update(referrals).where(referrals.c.id == row.id)
               .values(status="granted", decided_at=now, **rewards))
    ctx.outbox.emit(
        db, "Referral Granted", person_id=row.inviter_person_id, channel=row.channel,
        store_id=row.store_id, actor="system", dedup_key=f"referral-granted:{row.id}",
        properties={"referral_id": row.id, "invitee_person_id": row.invitee_person_id,
                    "trigger": row.trigger, **rewards})
    return _row(db, row.id)


def _over_cap(db: Connection, ctx: OffersContext, inviter: int, now: datetime) -> str | None:
    granted = select(func.count()).select_from(referrals).where(
        referrals.c.inviter_person_id == inviter, referrals.c.status == "granted")
    if db.execute(granted).scalar_one() >= ctx.settings.referral_total_cap:
        return f"the inviter reached the cap of {ctx.settings.referral_total_cap} rewards"
    local = now.astimezone(ctx.settings.tz)
    day_start = datetime.combine(local.date(), time(), tzinfo=ctx.settings.tz)
    today = granted.where(referrals.c.decided_at >= day_start,
                          referrals.c.decided_at < day_start + timedelta(days=1))
    if db.execute(today).scalar_one() >= ctx.settings.referral_daily_cap:
        return f"the inviter reached today's cap of {ctx.settings.referral_daily_cap} rewards"
    return None


def _reward(db: Connection, ctx: OffersContext, row: Any, side: str) -> int | None:
    template = getattr(ctx.settings, f"referral_{side}_template")
    if template is None:
        return None
    person = getattr(row, f"{side}_person_id")
    try:
        with db.begin_nested():
            coupon, _ = issue(db, ctx, Issue(
                template, person, getattr(row, f"{side}_anchor_id"), "referral",
                row.channel or "online", row.store_id, "system", f"referral:{row.id}:{side}"))
    except DatongError as exc:  # out of stock, say: the referral still counts
        logger.warning("referral %s: no %s reward: %s", row.id, side, exc.message)
        return None
    return int(coupon.id)


def referral_view(db: Connection, row: Any) -> dict[str, Any]:
    return {"id": row.id, "code": row.code, "inviter_person_id": row.inviter_person_id,
            "invitee_person_id": row.invitee_person_id, "status": row.status,
            "reason": row.reason, "trigger": row.trigger, "created_at": row.created_at,
            "decided_at": row.decided_at, "inviter_coupon_id": row.inviter_coupon_id,
            "invitee_coupon_id": row.invitee_coupon_id}


def inviter_referrals(*, db: Connection, ctx: OffersContext, person_id: int
                      ) -> dict[str, Any]:
    """What an inviter sees: their code and link, each referral's state, the totals."""
    person = current_person(db=db, person_id=person_id)
    code = db.execute(select(referral_codes.c.code).where(referral_codes.c.person_id == person)
                      .order_by(referral_codes.c.id)).scalar()
    rows = db.execute(select(referrals).where(referrals.c.inviter_person_id == person)
                      .order_by(referrals.c.id.desc())).all()
    counts = {s: sum(r.status == s for r in rows) for s in ("pending", "granted", "refused")}
    return {"person_id": person, "code": code,
            "link": share_link(ctx, code) if code else None, "counts": counts,
            "data": [referral_view(db, r) for r in rows]}


class EnrolmentReferrals:
    """Subscriber to `Member Enrolled`: an enrolment through a share link records the
    referral, and rewards it when the trigger is enrolment. It never fails the enrolment."""

    def __init__(self, ctx: OffersContext) -> None:
        self.ctx = ctx

    def __call__(self, db: Connection, event: DomainEvent) -> None:
        code = (event.properties or {}).get("referral_code")
        if event.person_id is None:
            return
        invitee = current_person(db=db, person_id=event.person_id)
        try:
            with db.begin_nested():
                row = self._pending(db, str(code) if code else None, invitee, event)
                if row is not None and self.ctx.settings.referral_trigger == "enrolment":
                    grant(db, self.ctx, row.id)
        except DatongError as exc:
            logger.info("enrolment of person %s: referral not recorded: %s", invitee,
                        exc.message)

    def _pending(self, db: Connection, code: str | None, invitee: int,
                 event: DomainEvent) -> Any:
        found = db.execute(select(referrals).where(referrals.c.invitee_person_id == invitee,
                                                   referrals.c.status == "pending")).first()
        if found is not None or code is None:
            return found
        return _record(db, self.ctx, _code_row(db, code), invitee, None, event.channel,
                       event.store_id)


def on_first_orders(db: Connection, ctx: OffersContext, orders: dict[int, int]) -> None:
    """person → orders in this batch: grant pending referrals of invitees whose first order
    this is (profiles already counted the batch), refuse those who had ordered before."""
    from datong.profiles.tables import stats

    if ctx.settings.referral_trigger != "first_order" or not orders:
        return
    pending = db.execute(select(referrals.c.id, referrals.c.invitee_person_id).where(
        referrals.c.status == "pending",
        referrals.c.invitee_person_id.in_(sorted(orders)))).all()
    for r in pending:
        total = db.execute(select(stats.c.online_orders + stats.c.offline_orders)
                           .where(stats.c.person_id == r.invitee_person_id)).scalar() or 0
        if total - orders[r.invitee_person_id] > 0:
            _refuse(db, r.id, "not the invitee's first order")
        else:
            grant(db, ctx, r.id)
