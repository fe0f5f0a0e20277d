"""The merge rules applied to one message at a time, on an in-memory slice of the graph.

Pure: no database. The resolver loads the persons a message touches, applies the message
here, and writes back what changed. Applying messages in canonical order (event time,
source, messageId) makes the partition independent of the order they arrived in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datong.identity.extract import Ident
from datong.identity.rules import Rules


@dataclass
class Decision:
    """What one message did: links kept, identifiers dropped, persons merged, edges added."""

    person: int
    linked: list[int] = field(default_factory=list)
    dropped: list[tuple[int, str, str, list[int]]] = field(default_factory=list)
    merged: list[int] = field(default_factory=list)  # persons absorbed into `person`
    edges: list[tuple[int, int]] = field(default_factory=list)


class Graph:
    """Identifier ids → persons for the part of the graph being resolved."""

    def __init__(self, rules: Rules, forbidden: set[frozenset[int]] | None = None) -> None:
        self.rules = rules
        self.ident: dict[int, Ident] = {}
        self.person_of: dict[int, int] = {}
        self.members: dict[int, set[int]] = {}
        self.forbidden = forbidden or set()  # identifier pairs an admin separated
        self._next_new = -1

    def add_person(self, person: int, ids: dict[int, Ident]) -> None:
        self.members[person] = set(ids)
        for ident_id, ident in ids.items():
            self.ident[ident_id] = ident
            self.person_of[ident_id] = person

    def know(self, ident_id: int, ident: Ident) -> None:
        self.ident.setdefault(ident_id, ident)

    def new_person(self) -> int:
        """A provisional (negative) person id; the resolver turns it into a real row."""
        self._next_new -= 1
        return self._next_new

    def apply(self, ids: list[int]) -> Decision:
        """Link the identifiers of one message, dropping what the rules forbid."""
        keep = sorted(set(ids), key=self._rank)
        dropped: list[tuple[int, str, str, list[int]]] = []
        while True:
            verdict = self._violation(keep)
            if verdict is None:
                break
            culprit, code, reason = verdict
            persons = sorted({self.person_of[i] for i in keep if i in self.person_of})
            dropped.append((culprit, code, reason, persons))
            keep.remove(culprit)
        decision = self._link(keep)
        decision.dropped = dropped
        return decision

    def _rank(self, ident_id: int) -> tuple[int, str]:
        ident = self.ident[ident_id]
        return (self.rules.priority(ident.type), ident.value)

    def _violation(self, keep: list[int]) -> tuple[int, str, str] | None:
        persons = {self.person_of[i] for i in keep if i in self.person_of}
        if len(persons) > self.rules.merge_cap:
            bringers = [i for i in keep if i in self.person_of]
            return (bringers[-1], "merge_cap",
                    f"the message would merge {len(persons)} persons (cap {self.rules.merge_cap})")
        union = set(keep).union(*(self.members[p] for p in persons))
        for pair in self.forbidden:
            if pair <= union:
                return self._culprit(keep, pair, "unmerged", "an admin separated these identifiers")
        by_type: dict[str, set[int]] = {}
        for ident_id in union:
            by_type.setdefault(self.ident[ident_id].type, set()).add(ident_id)
        for type_, found in sorted(by_type.items(), key=lambda kv: self.rules.priority(kv[0])):
            most = self.rules.by_type[type_].max_per_person
            if len(found) > most:
                return self._culprit(
                    keep, found, "max_per_person",
                    f"one person may have at most {most} {type_}; this would make {len(found)}")
        return None

    def _culprit(self, keep: list[int], involved: set[int] | frozenset[int], code: str,
                 reason: str) -> tuple[int, str, str]:
        """The lowest-priority identifier of the message that brings the conflict in."""
        conflicting = [i for i in keep if i in involved or (
            i in self.person_of and self.members[self.person_of[i]] & involved)]
        return (conflicting or keep)[-1], code, reason

    def _link(self, keep: list[int]) -> Decision:
        origin = {i: self.person_of.get(i) for i in keep}
        persons = sorted({p for p in origin.values() if p is not None},
                         key=lambda p: (p < 0, abs(p)))
        target = persons[0] if persons else self.new_person()
        decision = Decision(person=target, linked=list(keep), merged=persons[1:])
        members = self.members.setdefault(target, set())
        for other in persons[1:]:
            moved = self.members.pop(other)
            for ident_id in moved:
                self.person_of[ident_id] = target
            members |= moved
        # New links attach to a hub: an identifier the person already had, else the message's
        # strongest one. One edge per newcomer (and per absorbed person) keeps each person a
        # spanning tree, so revoking one edge splits it.
        hub = next((i for i in keep if origin[i] == target), keep[0] if keep else None)
        joined: set[int] = {target}
        for ident_id in keep:
            came_from = origin[ident_id]
            if ident_id != hub and came_from not in joined:
                decision.edges.append((hub, ident_id))  # type: ignore[arg-type]
                if came_from is not None:
                    joined.add(came_from)
            self.person_of[ident_id] = target
            members.add(ident_id)
        return decision
