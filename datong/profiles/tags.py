"""Tags: manual ones by API, rule-based ones re-evaluated whenever counters change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, and_, delete, select

from datong.errors import Invalid, NotFound
from datong.identity.store import chunks
from datong.profiles.facts import Stats
from datong.profiles.rules import TagRule, rule_tags
from datong.profiles.tables import tags
from datong.store.database import bulk_insert, driver_value
from datong.store.types import utcnow


def tags_of(db: Connection, person_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """person → {tag: source}."""
    out: dict[int, dict[str, str]] = {}
    for part in chunks(sorted(set(person_ids))):
        for row in db.execute(select(tags.c.person_id, tags.c.tag, tags.c.source)
                              .where(tags.c.person_id.in_(part))):
            out.setdefault(row.person_id, {})[row.tag] = row.source
    return out


def apply_rules(db: Connection, rules: Sequence[TagRule], found: dict[int, Stats]) -> None:
    """Give and take rule tags so they match the persons' counters; manual tags stay."""
    if not rules or not found:
        return
    now = utcnow()
    current = tags_of(db, found)
    add: list[tuple[int, str]] = []
    for person, s in found.items():
        have = current.get(person, {})
        wanted = rule_tags(list(rules), s, now)
        stale = [t for t, source in have.items() if source == "rule" and t not in wanted]
        if stale:
            db.execute(delete(tags).where(tags.c.person_id == person, tags.c.tag.in_(stale)))
        add += [(person, t) for t in sorted(wanted) if t not in have]
    stamp = driver_value(db, now)
    bulk_insert(db, tags, ("person_id", "tag", "source", "created_at", "created_by"),
                [(p, t, "rule", stamp, "rules") for p, t in add])


def move_tags(db: Connection, survivor: int, others: Iterable[int]) -> None:
    """A merge: the absorbed persons' tags go to the survivor (its own win on a clash)."""
    gone = sorted(set(others))
    current = tags_of(db, [survivor, *gone])
    have = current.get(survivor, {})
    moved: dict[str, str] = {}
    for other in gone:
        for tag, source in current.get(other, {}).items():
            if tag not in have and (tag not in moved or source == "manual"):
                moved[tag] = source
    for part in chunks(gone):
        db.execute(delete(tags).where(tags.c.person_id.in_(part)))
    stamp = driver_value(db, utcnow())
    bulk_insert(db, tags, ("person_id", "tag", "source", "created_at", "created_by"),
                [(survivor, t, s, stamp, "merge") for t, s in sorted(moved.items())])


def _check(tag: str) -> str:
    tag = tag.strip()
    if not tag or len(tag) > 64:
        raise Invalid("a tag has 1 to 64 characters", field="tag")
    return tag


def add_tag(*, db: Connection, person_id: int, tag: str, actor: str) -> None:
    """A manual tag (turns a rule tag of the same name into a manual one)."""
    tag = _check(tag)
    db.execute(delete(tags).where(and_(tags.c.person_id == person_id, tags.c.tag == tag)))
    db.execute(tags.insert().values(person_id=person_id, tag=tag, source="manual",
                                    created_at=utcnow(), created_by=actor))


def remove_tag(*, db: Connection, person_id: int, tag: str) -> None:
    """Remove a tag; a rule tag comes back when the rule is next evaluated."""
    gone = db.execute(delete(tags).where(tags.c.person_id == person_id, tags.c.tag == tag))
    if not gone.rowcount:
        raise NotFound(f"person {person_id} has no tag {tag!r}", field="tag")
