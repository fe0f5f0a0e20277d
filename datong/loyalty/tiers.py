"""Tiers on rolling qualifying spend across every channel: upgrades at once, downgrades only
after the grace period (and only if the spend has not recovered by then)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from datong.identity.store import chunks
from datong.loyalty.ledger import Book, MemberState
from datong.loyalty.program import Program
from datong.loyalty.tables import orders
from datong.outbox.service import Outbox


def spend_of(db: Connection, member_ids: Iterable[int], *, now: datetime,
             window_days: int) -> dict[int, int]:
    """Qualifying spend (fen paid minus refunded) per member over the rolling window."""
    since = now - timedelta(days=window_days)
    out: dict[int, int] = {}
    for part in chunks(sorted(set(member_ids))):
        query = (select(orders.c.member_id, func.sum(orders.c.paid - orders.c.refunded))
                 .where(orders.c.member_id.in_(part), orders.c.occurred_at >= since)
                 .group_by(orders.c.member_id))
        out.update({int(m): int(s or 0) for m, s in db.execute(query)})
    return out


def update_tiers(book: Book, program: Program, spends: dict[int, int], outbox: Outbox, *,
                 allow_downgrade: bool, actor: str = "system") -> list[tuple[int, str, str]]:
    """Move each member to the tier its spend earns; return (member, from, to) changes."""
    changes = []
    for member_id, member in sorted(book.members.items()):
        if member.status != "active" or (member_id not in spends and not allow_downgrade):
            continue
        spend = spends.get(member_id, 0)
        new = _next_tier(member, program, spend, book.now, allow_downgrade)
        if new is not None and new != member.tier:
            old = member.tier
            member.tier, member.tier_since, member.downgrade_at = new, book.now, None
            member.dirty = True
            changes.append((member_id, old, new))
            outbox.emit(book.db, "Tier Changed", person_id=member.person_id, actor=actor,
                        store_id=member.store_id,
                        properties={"member_no": member.member_no, "from": old, "to": new,
                                    "spend": spend, "window_days": program.spend_window_days,
                                    "direction": "up" if program.rank(new) > program.rank(old)
                                    else "down"})
    return changes


def _next_tier(member: MemberState, program: Program, spend: int, now: datetime,
               allow_downgrade: bool) -> str | None:
    earned = program.tier_for_spend(spend)
    current = program.rank(member.tier)
    if program.rank(earned.code) >= current:
        if member.downgrade_at is not None:
            member.downgrade_at, member.dirty = None, True  # the spend recovered
        return earned.code if program.rank(earned.code) > current else None
    if not allow_downgrade:
        return None
    if member.downgrade_at is None:
        member.downgrade_at = now + timedelta(days=program.downgrade_grace_days)
        member.dirty = True
    return earned.code if member.downgrade_at <= now else None
