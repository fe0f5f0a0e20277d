"""Person Merged / Person Split: how downstream state (profiles, loyalty, coupons) follows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class PersonChange:
    """`merged`: `others` were absorbed into `person`. `split`: `others` were cut out of
    `person` as new persons (each identifier now says which person it belongs to)."""

    kind: str  # merged | split
    person: int
    others: tuple[int, ...]
    event_id: int | None = None
    actor: str | None = None


# Called in the same transaction as the change, after the identity tables are written.
PersonListener = Callable[[Connection, PersonChange], None]
