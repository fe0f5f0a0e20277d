"""Who may do what with offers. The checks live here, in the services, so every caller
(API, CLI, console) gets the same answer: a clerk of store A acts only for store A."""

from __future__ import annotations

from datong.auth.roles import STORE_BOUND, Role
from datong.auth.tokens import Principal
from datong.errors import Forbidden, Invalid

MANAGERS = (Role.admin, Role.marketer)

# The CLI acts as the operator: an admin with no store.
SYSTEM = Principal("system", 0, "cli", Role.admin, None)


def actor(principal: Principal) -> str:
    """`staff:12`, `token:3`, or `system` for the command line."""
    return "system" if principal.kind == "system" else f"{principal.kind}:{principal.id}"


def require_manager(principal: Principal, what: str) -> None:
    """Templates, bulk issuing, experiences: admins and marketers."""
    if principal.role not in MANAGERS:
        raise Forbidden(f"{what} needs the role admin or marketer; you are "
                        f"{principal.role.value}")


def require_channel_actor(principal: Principal, channel: str, store_id: int | None,
                          what: str) -> None:
    """Online (the shop's or app's backend): an admin or marketer token. In store: a clerk or
    store manager of that very store, or an admin naming the store."""
    if channel not in ("online", "offline"):
        raise Invalid(f"channel must be online or offline, not {channel!r}", field="channel")
    if channel == "online":
        if principal.role not in MANAGERS:
            raise Forbidden(f"{what} online is done by the shop's backend (an admin or "
                            f"marketer token); a {principal.role.value} acts in store "
                            "(channel offline)")
        return
    if store_id is None:
        raise Invalid(f"{what} in store needs the store", field="store")
    require_store(principal, store_id, what)


def require_store(principal: Principal, store_id: int, what: str) -> None:
    """An admin for any store; a clerk or store manager only for their own."""
    if principal.role == Role.admin:
        return
    if principal.role in STORE_BOUND:
        if principal.store_id != store_id:
            raise Forbidden(f"you act for your own store only; {what} is for another store",
                            code="wrong_store")
        return
    raise Forbidden(f"{what} in store needs a clerk or manager of the store (or an admin); "
                    f"you are {principal.role.value}")
