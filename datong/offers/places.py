"""Store codes (what APIs and terms speak) and store ids (what principals carry)."""

from __future__ import annotations

from collections.abc import Iterable
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, select

from datong.errors import NotFound
from datong.stores.tables import stores

# code → id per database: a store's code and id never change once it exists.
_IDS: WeakKeyDictionary[Engine, dict[str, int]] = WeakKeyDictionary()


def store_id(db: Connection, code: str | None) -> int | None:
    if code is None:
        return None
    known = _IDS.setdefault(db.engine, {})
    code = code.strip()
    if code in known:
        return known[code]
    found = db.execute(select(stores.c.id).where(stores.c.code == code)).scalar()
    if found is None:
        raise NotFound(f"no store with code {code!r}", field="store")
    known[code] = int(found)  # stores are made in their own transaction (stores service)
    return int(found)


def store_code(db: Connection, id_: int | None) -> str | None:
    if id_ is None:
        return None
    return db.execute(select(stores.c.code).where(stores.c.id == id_)).scalar()


def check_codes(db: Connection, codes: Iterable[str]) -> None:
    wanted = set(codes)
    if not wanted:
        return
    known = set(db.execute(select(stores.c.code).where(stores.c.code.in_(sorted(wanted))))
                .scalars())
    missing = sorted(wanted - known)
    if missing:
        raise NotFound(f"no store with code {', '.join(missing)}", field="stores")
