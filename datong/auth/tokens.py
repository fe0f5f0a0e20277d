"""API tokens: a name, a role, optionally a store; the secret is shown once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

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
