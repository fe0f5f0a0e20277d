"""What offers need from membership (#4), behind one small interface: a person's tier (who
may claim a tier-only coupon) and a points wallet (coupons exchanged for points).

`membership()` wires the loyalty domain's service; tests may pass another implementation to
`OffersContext`.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection


class Membership(Protocol):
    def tier_of(self, db: Connection, person_id: int) -> str | None:
        """The person's tier code, or None when the person is not a member."""

    def spend_points(self, db: Connection, *, person_id: int, points: int, cause_ref: str,
                     idempotency_key: str, actor: str, channel: str | None,
                     store_id: int | None) -> int:
        """Take points (in the caller's transaction) and answer the new balance; Conflict
        insufficient_points, NotFound not_a_member."""


class LoyaltyMembership:
    """The loyalty domain's service functions (datong.loyalty.service)."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def tier_of(self, db: Connection, person_id: int) -> str | None:
        member = self.service.member_for_person(db=db, person_id=person_id)
        if member is None or getattr(member, "status", "active") != "active":
            return None
        return str(member.tier)

    def spend_points(self, db: Connection, *, person_id: int, points: int, cause_ref: str,
                     idempotency_key: str, actor: str, channel: str | None,
                     store_id: int | None) -> int:
        return int(self.service.spend_points(
            db=db, person_id=person_id, points=points, cause_type="coupon",
            cause_ref=cause_ref, idempotency_key=idempotency_key, actor=actor,
            channel=channel, store_id=store_id))


def membership() -> Membership:
    from datong.loyalty import service

    return LoyaltyMembership(service)
