"""Sources: where events come from (an app, a web shop, a POS system), each with a write key."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from datong.auth.secrets import hash_secret, new_secret
from datong.errors import Conflict, Invalid, NotFound, Unauthorized
from datong.ingest.tables import sources
from datong.store.types import utcnow

CHANNELS = ("online", "offline")


@dataclass(frozen=True)
class Source:
    id: int
    name: str
    channel: str
    user_id_type: str = "user_id"


def create_source(
    *, db: Connection, name: str, channel: str, user_id_type: str = "user_id"
) -> tuple[Source, str]:
    """Create a source; return it with its write key (shown once, stored hashed).
    `user_id_type` is the identifier type its userId carries (e.g. member_id for a POS)."""
    if not re.fullmatch(r"[a-z][a-z_]{1,19}", user_id_type):
        raise Invalid(f"user_id_type must be an identifier type such as member_id, "
                      f"not {user_id_type!r}", field="user_id_type")
    if channel not in CHANNELS:
        raise Invalid(f"channel must be online or offline, not {channel!r}", field="channel")
    if not name.strip():
        raise Invalid("a source needs a name", field="name")
    if db.execute(select(sources.c.id).where(sources.c.name == name)).first():
        raise Conflict(f"a source named {name!r} exists already", field="name")
    key = new_secret("wk")
    result = db.execute(
        sources.insert().values(
            name=name, channel=channel, write_key_hash=hash_secret(key),
            write_key_prefix=key[:8], user_id_type=user_id_type, created_at=utcnow(),
        )
    )
    assert result.inserted_primary_key is not None
    return Source(int(result.inserted_primary_key[0]), name, channel, user_id_type), key


def get_source(*, db: Connection, name: str) -> Source:
    row = db.execute(select(sources).where(sources.c.name == name)).first()
    if row is None:
        raise NotFound(f"no source named {name!r}", field="source")
    return Source(row.id, row.name, row.channel, row.user_id_type)


def list_sources(*, db: Connection) -> list[dict[str, object]]:
    rows = db.execute(select(sources).order_by(sources.c.id)).mappings()
    return [{k: v for k, v in r.items() if k != "write_key_hash"} for r in rows]


class WriteKeyCache:
    """Write key → source look-ups for the ingest hot path, refreshed after `ttl` seconds."""

    def __init__(self, engine: Engine, ttl: float = 30.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._known: dict[str, tuple[Source | None, float]] = {}
        self._lock = threading.Lock()

    def authenticate(self, write_key: str) -> Source:
        if not write_key:
            raise Unauthorized("send the source's write key as the basic-auth user or writeKey")
        digest = hash_secret(write_key)
        now = time.monotonic()
        with self._lock:
            hit = self._known.get(digest)
        if hit is None or hit[1] < now:
            hit = (self._lookup(digest), now + self._ttl)
            with self._lock:
                self._known[digest] = hit
        if hit[0] is None:
            raise Unauthorized("the write key is unknown or its source is disabled")
        return hit[0]

    def _lookup(self, digest: str) -> Source | None:
        with self._engine.connect().execution_options(readonly=True) as conn:
            row = conn.execute(
                select(sources).where(sources.c.write_key_hash == digest)
            ).first()
        if row is None or row.disabled_at is not None:
            return None
        return Source(row.id, row.name, row.channel, row.user_id_type)
