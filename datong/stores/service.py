"""Creating and finding stores."""

from __future__ import annotations

from sqlalchemy import Connection, select

from datong.errors import Conflict, NotFound
from datong.store.types import utcnow
from datong.stores.schemas import StoreCreate, StorePublic
from datong.stores.tables import stores


def create_store(*, db: Connection, data: StoreCreate) -> StorePublic:
    if db.execute(select(stores.c.id).where(stores.c.code == data.code)).first():
        raise Conflict(f"a store with code {data.code!r} exists already", field="code")
    values = data.model_dump()
    new_id = db.execute(stores.insert().values(**values, created_at=utcnow())).inserted_primary_key
    assert new_id is not None
    return StorePublic(id=new_id[0], **values)


def get_store(*, db: Connection, code: str) -> StorePublic:
    row = db.execute(select(stores).where(stores.c.code == code)).mappings().first()
    if row is None:
        raise NotFound(f"no store with code {code!r}", field="store")
    return StorePublic.model_validate(dict(row))


def list_stores(*, db: Connection) -> list[StorePublic]:
    rows = db.execute(select(stores).order_by(stores.c.code)).mappings()
    return [StorePublic.model_validate(dict(r)) for r in rows]
