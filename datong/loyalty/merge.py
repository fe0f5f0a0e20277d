"""Following persons through identity merges and splits.

Merge: when persons who are both members become one, their ledgers are combined — entries,
lots, orders and holds move to the surviving member (the one enrolled first), each keeping
the member it came from (`origin_member_id`); the other member is marked merged into it; a
debt on one side is repaid from the other's points; the tier is the higher of the two, then
recomputed on the combined spend.

Split: each member of the family is given back to the person its phone now belongs to, and
every entry, lot and order goes back with the member it came from. Points one side spent
from the other's lots while they were one are settled between them (`split` entries), so
no account goes negative and the total is unchanged; lots are rebalanced to match. A person
that ends up with two members (a regrouping moved a phone to a person that had a member
already) has them merged, as any merge would.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from datong.identity.changes import PersonChange
from datong.identity.service import current_person
from datong.identity.tables import identifiers
from datong.loyalty.ledger import ACCOUNTS, Book, Cause, Lot, MemberState
from datong.loyalty.program import Program, load_program
from datong.loyalty.tables import entries, holds, lots, members, orders, requests
from datong.loyalty.tiers import spend_of, update_tiers
from datong.outbox.service import Outbox
from datong.settings import Settings
from datong.store.types import utcnow

_MOVED = (entries, lots, orders)


class LoyaltyListener:
    """The person listener (datong.identity.changes.PersonListener) membership follows."""

    def __init__(self, settings: Settings, outbox: Outbox) -> None:
        self.settings = settings
        self.outbox = outbox

    def __call__(self, db: Connection, change: PersonChange) -> None:
        persons = [change.person, *change.others]
        if db.execute(select(members.c.id).where(members.c.person_id.in_(persons))
                      .limit(1)).first() is None:
            return
        context = _Context(db, Book(db, utcnow()), load_program(db), self.outbox)
        if change.kind == "merged":
            merge_members(context, change.person, change.others)
        elif change.kind == "split":
            split_members(context, change.person)
        context.book.flush()


@dataclass
class _Context:
    db: Connection
    book: Book
    program: Program
    outbox: Outbox


def merge_members(ctx: _Context, survivor_person: int, others: tuple[int, ...]) -> None:
    db, book = ctx.db, ctx.book
    ids = [int(m) for m in db.execute(select(members.c.id).where(
        members.c.person_id.in_([survivor_person, *others]), members.c.status == "active")
        .order_by(members.c.enrolled_at, members.c.id)).scalars()]
    if not ids:
        return
    book.lock(ids)
    keep = book.members[ids[0]]
    keep.person_id, keep.dirty = survivor_person, True
    absorbed = [book.members[m] for m in ids[1:]]
    if not absorbed:
        return
    for other in absorbed:
        _absorb(db, keep, other)
    cause = Cause("merge", ",".join(m.member_no for m in absorbed), "system",
                  note="merged in: " + "; ".join(
                      f"{m.member_no} ({m.balance} available, {m.pending} pending, "
                      f"{m.debt} owed)" for m in absorbed))
    for other in absorbed:
        keep.balance += other.balance
        keep.pending += other.pending
        keep.debt += other.debt
        keep.held += other.held
        other.balance = other.pending = other.debt = other.held = 0
        other.status, other.person_id, other.dirty = "merged", survivor_person, True
    book.entry(keep, "available", "merge", 0, cause)
    book.repay(keep, cause)
    best = max((keep, *absorbed), key=lambda m: ctx.program.rank(m.tier))
    if best is not keep:
        keep.tier, keep.tier_since, keep.downgrade_at = best.tier, best.tier_since, None
    _retier(ctx, [keep.id])


def _absorb(db: Connection, keep: MemberState, other: MemberState) -> None:
    for table in (*_MOVED, holds, requests):
        db.execute(update(table).where(table.c.member_id == other.id)
                   .values(member_id=keep.id))
    db.execute(update(members).where(members.c.id == other.id).values(merged_into=keep.id))
    db.execute(update(members).where(members.c.merged_into == other.id)
               .values(merged_into=keep.id))


def split_members(ctx: _Context, origin_person: int) -> None:
    db, book = ctx.db, ctx.book
    head = db.execute(select(members.c.id).where(
        members.c.person_id == origin_person, members.c.status == "active")
        .order_by(members.c.id).limit(1)).scalar()
    if head is None:
        return
    family = [int(head), *(int(m) for m in db.execute(select(members.c.id).where(
        members.c.merged_into == head).order_by(members.c.id)).scalars())]
    book.lock(family)
    now_person = {m: _person_of_phone(db, m) or origin_person for m in family}
    primary = _primaries(family, now_person)
    for member_id in family:
        state, target = book.members[member_id], primary[now_person[member_id]]
        state.person_id, state.dirty = now_person[member_id], True
        state.status = "active" if target == member_id else "merged"
        db.execute(update(members).where(members.c.id == member_id).values(
            merged_into=None if target == member_id else target))
        if target != head:
            for table in _MOVED:
                db.execute(update(table).where(table.c.member_id == head,
                                               table.c.origin_member_id == member_id)
                           .values(member_id=target))
    heads = sorted(set(primary.values()))
    if len(heads) > 1:
        _resettle(ctx, [book.members[m] for m in heads])
        _retier(ctx, heads)
    # A member given back to a person may find it a member already (the identifiers that
    # left one person joined another, which had its own member): one member per person.
    book.flush()
    for person in sorted(set(now_person.values())):
        if _active_members(db, person) > 1:
            merge_members(ctx, person, ())


def _active_members(db: Connection, person: int) -> int:
    return int(db.execute(select(func.count()).where(
        members.c.person_id == person, members.c.status == "active")).scalar() or 0)


def _person_of_phone(db: Connection, member_id: int) -> int | None:
    phone = db.execute(select(members.c.phone).where(members.c.id == member_id)).scalar()
    person = db.execute(select(identifiers.c.person_id).where(
        identifiers.c.type == "phone", identifiers.c.value == phone)).scalar()
    return None if person is None else current_person(db=db, person_id=int(person))


def _primaries(family: list[int], now_person: dict[int, int]) -> dict[int, int]:
    """person → the member that stays active for it (the family head first, else the
    oldest)."""
    out: dict[int, int] = {}
    for member_id in family:  # the head comes first, the rest by id
        out.setdefault(now_person[member_id], member_id)
    return out


def _resettle(ctx: _Context, heads: list[MemberState]) -> None:
    """Make each member's sums equal its (moved) ledger again, with no account negative."""
    db, book = ctx.db, ctx.book
    sums = {(int(m), a): int(s) for m, a, s in db.execute(
        select(entries.c.member_id, entries.c.account, func.sum(entries.c.points))
        .where(entries.c.member_id.in_([h.id for h in heads]))
        .group_by(entries.c.member_id, entries.c.account))}
    held = {int(m): int(s) for m, s in db.execute(
        select(holds.c.member_id, func.sum(holds.c.points))
        .where(holds.c.member_id.in_([h.id for h in heads]), holds.c.status == "held")
        .group_by(holds.c.member_id))}
    for head in heads:
        head.balance = sums.get((head.id, "available"), 0)
        head.pending = sums.get((head.id, "pending"), 0)
        head.debt = sums.get((head.id, "debt"), 0)
        head.held, head.dirty = held.get(head.id, 0), True
    for account in ACCOUNTS:
        _settle_account(book, heads, account)
    _rebalance_lots(ctx, heads)


def _settle_account(book: Book, heads: list[MemberState], account: str) -> None:
    """Bring every member's account back to what it must hold (its points on hold, for the
    available account; zero otherwise), taking the shortfall from the others' spare points."""

    def spare(head: MemberState) -> int:
        return head.account(account) - (head.held if account == "available" else 0)

    for needy in heads:
        need = -spare(needy)
        if need <= 0:
            continue
        owed = need
        for donor in sorted(heads, key=lambda h: -spare(h)):
            give = min(need, spare(donor)) if donor is not needy else 0
            if give <= 0:
                continue
            note = f"spent by {needy.member_no} while the two were one customer"
            book.entry(donor, account, "split", -give,
                       Cause("split", needy.member_no, "system", note=note))
            need -= give
        book.entry(needy, account, "split", owed,
                   Cause("split", "settlement", "system",
                         note="points the other member spent while the two were one customer"))


def _rebalance_lots(ctx: _Context, heads: list[MemberState]) -> None:
    book = ctx.book
    book.preload_lots([h.id for h in heads])
    pieces: list[Lot] = []
    for head in heads:
        excess = sum(lot.remaining for lot in book.lots_of(head.id)) - head.balance
        for lot in sorted(book.lots_of(head.id), key=Lot.order_key):
            if excess <= 0:
                break
            take = min(lot.remaining, excess)
            lot.remaining, lot.changed = lot.remaining - take, True
            excess -= take
            pieces.append(Lot(None, head.id, lot.origin_member_id, take, take, lot.earned_at,
                              lot.expires_at))
    for head in heads:
        short = head.balance - sum(lot.remaining for lot in book.lots_of(head.id))
        while short > 0 and pieces:
            piece = pieces[0]
            take = min(piece.remaining, short)
            book.add_lot(head, take, piece.earned_at, piece.expires_at)
            piece.remaining -= take
            short -= take
            if piece.remaining == 0:
                pieces.pop(0)


def _retier(ctx: _Context, ids: list[int]) -> None:
    spends = spend_of(ctx.db, ids, now=ctx.book.now, window_days=ctx.program.spend_window_days)
    sub = Book(ctx.db, ctx.book.now, members={m: ctx.book.members[m] for m in ids})
    update_tiers(sub, ctx.program, spends, ctx.outbox, allow_downgrade=False)
