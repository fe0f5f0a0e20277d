"""API tokens: a name, a role, optionally a store; the secret is shown once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from datong.auth.roles import Role, check_store_binding, parse_role
from datong.auth.secrets import hash_secret, new_secret
from datong.auth.tables import api_tokens
from datong.errors import Conflict, Invalid, NotFound, Unauthorized
from datong.store.types import utcnow


@dataclass(frozen=True)
class Principal:
    """Who is calling the API: a token or a staff member, with its role and store."""

    kind: str  # "token" | "staff"
    id: int
    name: str
    role: Role
    store_id: int | None


def create_token(*, db: Connection, name: str, role: str, store_id: int | None = None) -> str:
    """Create a token and return its secret (never stored)."""
    parsed = parse_role(role)
    check_store_binding(parsed, store_id)
    if not name.strip():
        raise Invalid("a token needs a name", field="name")
    if db.execute(select(api_tokens.c.id).where(api_tokens.c.name == name)).first():
        raise Conflict(f"a token named {name!r} exists already", field="name")
    secret = new_secret("dt", 32)
    db.execute(
        api_tokens.insert().values(
            name=name, role=parsed.value, store_id=store_id, token_hash=hash_secret(secret),
            prefix=secret[:10], created_at=utcnow(),
        )
    )
    return secret


def authenticate_token(*, db: Connection, secret: str) -> Principal:
    row = db.execute(
        select(api_tokens).where(api_tokens.c.token_hash == hash_secret(secret))
    ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("the API token is unknown or revoked")
    return Principal("token", row.id, row.name, Role(row.role), row.store_id)


def revoke_token(*, db: Connection, name: str) -> None:
    done = db.execute(
        api_tokens.update()
        .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if done.rowcount == 0:
        raise NotFound(f"no active token named {name!r}", field="name")


def list_tokens(*, db: Connection) -> list[dict[str, object]]:
    rows = db.execute(select(api_tokens).order_by(api_tokens.c.id)).mappings()
    return [{k: v for k, v in r.items() if k != "token_hash"} for r in rows]


class TokenCache:
    """API token → principal for the request path, for `ttl` seconds: a lookup then costs no
    query. Revoking through this process forgets the token at once; a revocation made by
    another process (the CLI) takes effect within `ttl` seconds."""

    def __init__(self, engine: Engine, ttl: float = 5.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._known: dict[str, tuple[Principal | None, float]] = {}
        self._lock = threading.Lock()

    def cached(self, secret: str) -> Principal | None:
        """The principal when known and fresh; None means "ask `authenticate`"."""
        with self._lock:
            hit = self._known.get(hash_secret(secret))
        if hit is None or hit[1] < time.monotonic() or hit[0] is None:
            return None
        return hit[0]

    def authenticate(self, secret: str) -> Principal:
        digest = hash_secret(secret)
        try:
            with self._engine.connect().execution_options(readonly=True) as conn:
                principal: Principal | None = authenticate_token(db=conn, secret=secret)
        except Unauthorized:
            principal = None
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[digest] = (principal, time.monotonic() + self._ttl)
        if principal is None:
            raise Unauthorized("the API token is unknown or revoked")
        return principal

    def forget(self) -> None:
        with self._lock:
            self._known.clear()
