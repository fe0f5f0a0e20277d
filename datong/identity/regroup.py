"""Which person each connected component keeps: the plan of a batch identity repair.

Pure numpy, no database. Given every identifier of the graph with its person now and its
component, each component keeps the stored person most of its identifiers already have (ties:
the smallest person id); a person spread over several components stays with the component
holding most of its identifiers (ties: the smallest component), and a component left without a
person gets a new one.

When the stored persons already are the components — the usual case — that is established in
linear time with lookup arrays (no sorting, no hashing): identifier and person ids are
autoincrement keys, dense enough to index arrays by. Only the components that differ are then
grouped and matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    Ids = npt.NDArray[np.int64]
    Mask = npt.NDArray[np.bool_]

NO_PERSON = -1
LOOKUP_SLOTS_PER_ID = 4  # index by id while the id range is at most this many slots per id
_LOOKUP_FLOOR = 1 << 20


@dataclass
class Regrouping:
    """The identifiers whose person changes. In `after`, a negative value -k names the k-th
    new person (k = 1..new_persons); `before` holds NO_PERSON for an identifier without one."""

    clusters: int
    identifiers: int
    ident_ids: Ids
    before: Ids
    after: Ids
    new_persons: int
    # Stored persons that keep identifiers, among those of the components that change.
    kept: set[int] = field(default_factory=set)

    @property
    def differing(self) -> int:
        return len(self.ident_ids)


def regroup(ids: Ids, person: Ids, component: Ids, real: Mask | None = None) -> Regrouping:
    """Plan the persons of `ids` (ascending) from their `component` (the smallest id of the
    component, itself one of `ids`) and current `person`. `real` marks the ids that are
    identifier rows (an edge may name one that is not: it links, but is never written)."""
    real = np.ones(len(ids), dtype=np.bool_) if real is None else real
    comp = positions(ids, component)
    clusters = int(np.count_nonzero(np.bincount(comp[real], minlength=len(ids))))
    suspect = _suspect_components(person, comp)[comp]
    if not suspect.any():
        return _unchanged(clusters, int(real.sum()))
    sub_ids, sub_before, sub_comp = ids[suspect], person[suspect], component[suspect]
    choice = _choose(sub_comp, sub_before)
    after, new_persons = _targets(sub_comp, choice)
    moved = ((after != sub_before) | (after < 0)) & real[suspect]  # -1 is a new person here
    return Regrouping(clusters, int(real.sum()), sub_ids[moved], sub_before[moved],
                      after[moved], new_persons, set(choice.values()))


def positions(ids: Ids, values: Ids) -> Ids:
    """The position in `ids` (ascending, unique) of each of `values`, all of which are in it."""
    if not len(ids):
        return np.empty(0, dtype=np.int64)
    low, span = int(ids[0]), int(ids[-1]) - int(ids[0]) + 1
    if span > max(LOOKUP_SLOTS_PER_ID * len(ids), _LOOKUP_FLOOR):
        return np.searchsorted(ids, values).astype(np.int64)
    table = np.empty(span, dtype=np.int64)
    table[ids - low] = np.arange(len(ids), dtype=np.int64)
    return table[values - low]


def _suspect_components(person: Ids, comp: Ids) -> Mask:
    """Components (by position) that hold an identifier without a person, more than one
    person, or a person also found in another component."""
    bad = np.zeros(len(comp), dtype=np.bool_)
    bad[comp[(person == NO_PERSON) | (person != person[comp])]] = True
    has = person != NO_PERSON
    owned, where = person[has], comp[has]
    spread = owned[_one_value_per_key(owned, where) != where]
    if len(spread):
        bad[where[np.isin(owned, spread)]] = True
    return bad


def _one_value_per_key(keys: Ids, values: Ids) -> Ids:
    """For each row, the value some row with the same key has (the same one for every row of
    a key): where it differs from the row's own value, the key has several values."""
    if not len(keys):
        return values
    low, high = int(keys.min()), int(keys.max())
    if high - low + 1 <= max(LOOKUP_SLOTS_PER_ID * len(keys), _LOOKUP_FLOOR):
        table = np.empty(high - low + 1, dtype=values.dtype)
        table[keys - low] = values
        return table[keys - low]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    first = values[order][starts]
    out = np.empty_like(values)
    out[order] = np.repeat(first, np.diff(np.r_[starts, len(keys)]))
    return out


def _unchanged(clusters: int, identifiers: int) -> Regrouping:
    empty = np.empty(0, dtype=np.int64)
    return Regrouping(clusters, identifiers, empty, empty, empty, 0)


def _choose(comp: Ids, person: Ids) -> dict[int, int]:
    """component → the stored person it keeps: the largest shares first, each component and
    person taken once (ties: smaller component, then smaller person)."""
    has = person != NO_PERSON
    pairs, count = np.unique(np.stack([comp[has], person[has]], axis=1), axis=0,
                             return_counts=True)
    order = np.lexsort((pairs[:, 1], pairs[:, 0], -count))
    taken: set[int] = set()
    choice: dict[int, int] = {}
    for c, p in pairs[order].tolist():
        if c not in choice and p not in taken:
            choice[c] = p
            taken.add(p)
    return choice


def _targets(comp: Ids, choice: dict[int, int]) -> tuple[Ids, int]:
    """The person each identifier of `comp` goes to; components without one get new ones."""
    keys, inverse = np.unique(comp, return_inverse=True)
    chosen = np.array([choice.get(k, 0) for k in keys.tolist()], dtype=np.int64)
    fresh = np.flatnonzero(np.array([k not in choice for k in keys.tolist()], dtype=np.bool_))
    chosen[fresh] = -(np.arange(len(fresh), dtype=np.int64) + 1)
    return chosen[inverse], len(fresh)
