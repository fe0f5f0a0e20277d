"""A member's statement: the ledger newest first, a page at a time, with the sums and what
the member owes, and a check that the sums still equal the ledger."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from datong.bounds import parse_id
from datong.errors import Invalid
from datong.loyalty.members import Member
from datong.loyalty.tables import entries, holds, lots

MAX_LIMIT = 500

_SHOWN = ("id", "created_at", "account", "kind", "points", "balance_after", "cause_type",
          "cause_ref", "channel", "store_id", "actor", "note", "origin_member_id")


def statement(*, db: Connection, member: Member, cursor: str | None = None,
              limit: int = 50) -> dict[str, Any]:
    """One page of entries (newest first); `next_cursor` fetches the next, older page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    before = _cursor(cursor)
    query = select(*(entries.c[c] for c in _SHOWN)).where(entries.c.member_id == member.id)
    if before is not None:
        query = query.where(entries.c.id < before)
    rows = [dict(r) for r in db.execute(query.order_by(entries.c.id.desc())
                                        .limit(limit + 1)).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    notices = _notices(member)
    return {"member": member.as_dict(), "notes": [NOTES[n["code"]].format(**n) for n in notices],
            "notices": notices, "data": rows,
            "next_cursor": str(rows[-1]["id"]) if more and rows else None,
            "expiring": expiring(db=db, member_id=member.id)}


# What a statement says beside its entries: `notices` as codes with their figures (the
# console words them in the reader's language), `notes` as these English sentences.
NOTES = {
    "debt": ("{points} points were reversed by refunds after they had been spent; they are "
             "owed and will be repaid from future earnings."),
    "pending": "{points} points are pending until the return window of their orders closes.",
}


def _notices(member: Member) -> list[dict[str, Any]]:
    found = [("debt", member.debt), ("pending", member.pending)]
    return [{"code": code, "points": points} for code, points in found if points]


def _cursor(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    entry_id = parse_id(text)
    if entry_id is None:
        raise Invalid("cursor is not one this API gave", field="cursor")
    return entry_id


def expiring(*, db: Connection, member_id: int, limit: int = 3) -> list[dict[str, Any]]:
    """The next lots to expire: how many points, and when."""
    query = (select(lots.c.expires_at, func.sum(lots.c.remaining).label("points"))
             .where(lots.c.member_id == member_id, lots.c.remaining > 0,
                    lots.c.expires_at.is_not(None))
             .group_by(lots.c.expires_at).order_by(lots.c.expires_at).limit(limit))
    return [{"expires_at": r.expires_at, "points": int(r.points)} for r in db.execute(query)]


def ledger_sums(*, db: Connection, member_id: int) -> dict[str, int]:
    """What the ledger and lots say, for checking the materialised figures."""
    sums = {a: int(s) for a, s in db.execute(
        select(entries.c.account, func.sum(entries.c.points))
        .where(entries.c.member_id == member_id).group_by(entries.c.account))}
    lot_sum = db.execute(select(func.coalesce(func.sum(lots.c.remaining), 0))
                         .where(lots.c.member_id == member_id)).scalar_one()
    held = db.execute(select(func.coalesce(func.sum(holds.c.points), 0)).where(
        holds.c.member_id == member_id, holds.c.status == "held")).scalar_one()
    return {"available": sums.get("available", 0), "pending": sums.get("pending", 0),
            "debt": sums.get("debt", 0), "lots": int(lot_sum), "held": int(held)}
