"""Which identifiers an event carries: its ids, its traits and context.traits, POS fields."""

from __future__ import annotations

from typing import Any, NamedTuple

from datong.identity.rules import Rules

# Trait / property keys (case-insensitive) and the identifier type each names.
TRAIT_KEYS: dict[str, str] = {
    "phone": "phone", "mobile": "phone", "phone_number": "phone", "phonenumber": "phone",
    "email": "email",
    "member_id": "member_id", "memberid": "member_id", "member_no": "member_id",
    "unionid": "wechat_unionid", "wechat_unionid": "wechat_unionid",
    "openid": "wechat_openid", "wechat_openid": "wechat_openid",
    "payment_account": "payment_account", "card_number": "card_number", "card_no": "card_number",
    "device_id": "device_id",
}
# On a POS order the customer may only be known by what the till saw.
PROPERTY_KEYS = ("member_id", "phone", "payment_account", "card_number")


class Ident(NamedTuple):
    """One identifier: a tuple, so hashing and ordering it costs no Python call."""

    type: str
    value: str


class Found(NamedTuple):
    """Identifiers of one event: those that may link, and junk that must not."""

    linkable: tuple[Ident, ...]
    blocked: tuple[Ident, ...]


def _app_scope(event: dict[str, Any], traits: dict[str, Any]) -> str:
    context = event.get("context") or {}
    app = context.get("app") if isinstance(context, dict) else None
    name = traits.get("wechat_appid") or (app.get("name") if isinstance(app, dict) else None)
    return str(name or "default")


SHARED_DEVICE = "shared_device"  # a candidate that is recorded as blocked, never linked


def _candidates(event: dict[str, Any], user_id_type: str, shared: frozenset[str],
                custom: frozenset[str]) -> list[tuple[str, object]]:
    # Written out without comprehensions: this runs for every ingested event.
    found: list[tuple[str, object]] = [
        (user_id_type, event.get("user_id")), ("device_id", event.get("anonymous_id"))]
    context = event.get("context") or {}
    kind = event.get("type")
    if kind == "alias":
        found.append(("device_id", (event.get("extra") or {}).get("previousId")))
    device = context.get("device")
    if isinstance(device, dict):
        kind_of_device = device.get("type")
        found.append((SHARED_DEVICE if isinstance(kind_of_device, str)
                       and kind_of_device.casefold() in shared else "device_id", device.get("id")))
    for source in (context.get("traits"), event.get("traits")):
        if isinstance(source, dict):
            for key, value in source.items():
                lowered = key.lower()
                type_ = TRAIT_KEYS.get(lowered)
                if type_ is None and lowered in custom:  # a type the deployment added
                    type_ = lowered
                if type_ is not None:
                    found.append((type_, value))
    props = event.get("properties")
    if kind == "track" and isinstance(props, dict) and props:
        for key in PROPERTY_KEYS:
            if key in props:
                found.append((key, props[key]))
    return found


def extract(event: dict[str, Any], rules: Rules, user_id_type: str = "user_id") -> Found:
    """The normalised identifiers of an event row (as stored in `events`); the userId is of
    `user_id_type`, its source's setting. Linkable ones come strongest type first."""
    scope = None
    linkable: set[Ident] = set()
    blocked: set[Ident] = set()
    known = rules.by_type
    for type_, raw in _candidates(event, user_id_type, rules.shared_device_types,
                                  rules.custom_types):
        if raw is None:
            continue
        if type_ not in known:
            if type_ == SHARED_DEVICE and str(raw).strip():
                blocked.add(Ident("device_id", str(raw).strip()[:200]))
            continue
        value = rules.normalise(type_, raw)
        if value is None:
            text = str(raw).strip()
            if text:
                blocked.add(Ident(type_, text[:200]))
            continue
        if type_ in rules.scoped_types:
            scope = scope or _app_scope(event, event.get("traits") or {})
            value = f"{scope}:{value}"[:200]
        linkable.add(Ident(type_, value))
    rank = rules.priorities
    ordered: tuple[Ident, ...]
    if len(linkable) == 2:  # the usual userId + device: no sort needed
        a, b = linkable
        ordered = (a, b) if (rank[a.type], a.value) <= (rank[b.type], b.value) else (b, a)
    elif len(linkable) > 2:
        ordered = tuple(sorted(linkable, key=lambda i: (rank[i.type], i.value)))
    else:
        ordered = tuple(linkable)
    if blocked:
        blocked -= linkable
    return Found(ordered, tuple(sorted(blocked)) if len(blocked) > 1 else tuple(blocked))
