"""The roles of people and tokens, and which roles are bound to one store."""

from __future__ import annotations

from enum import StrEnum

from datong.errors import Forbidden, Invalid


class Role(StrEnum):
    admin = "admin"
    marketer = "marketer"
    store_manager = "store_manager"
    clerk = "clerk"


STORE_BOUND = frozenset({Role.store_manager, Role.clerk})


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise Invalid(f"role must be one of {names}, not {value!r}", field="role",
                      code="bad_role") from None


def check_store_binding(role: Role, store_id: int | None) -> None:
    """Clerks and store managers act for exactly one store; others for none in particular."""
    if role in STORE_BOUND and store_id is None:
        raise Invalid(f"a {role.value} must be bound to a store", field="store",
                      code="store_required")
    if role not in STORE_BOUND and store_id is not None:
        raise Invalid(f"a {role.value} is not bound to a store", field="store",
                      code="store_not_for_role")


def require_role(actual: Role, *allowed: Role) -> None:
    if actual not in allowed:
        wanted = ", ".join(r.value for r in allowed)
        raise Forbidden(f"this needs the role {wanted}; you are {actual.value}")
