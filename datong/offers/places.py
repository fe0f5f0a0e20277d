"""Store codes (what APIs and terms speak) and store ids (what principals carry)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from datong.errors import NotFound
from datong.stores.tables import stores


def store_id(db: Connection, code: str | None) -> int | None:
    if code is None:
        return None
    found = db.execute(select(stores.c.id).where(stores.c.code == code.strip())).scalar()
    if found is None:
        raise NotFound(f"no store with code {code!r}", field="store")
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
