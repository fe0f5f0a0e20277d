"""Which identifiers an event carries: its ids, its traits and context.traits, POS fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True, order=True)
class Ident:
    type: str
    value: str


@dataclass(frozen=True)
class Found:
    """Identifiers of one event: those that may link, and junk that must not."""

    linkable: tuple[Ident, ...]
    blocked: tuple[Ident, ...]


def _app_scope(event: dict[str, Any], traits: dict[str, Any]) -> str:
    context = event.get("context") or {}
    app = context.get("app") if isinstance(context, dict) else None
    name = traits.get("wechat_appid") or (app.get("name") if isinstance(app, dict) else None)
    return str(name or "default")


def _candidates(event: dict[str, Any], user_id_type: str) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = [
        (user_id_type, event.get("user_id")), ("device_id", event.get("anonymous_id"))]
    context = event.get("context") or {}
    extra = event.get("extra") or {}
    if event.get("type") == "alias":
        found.append(("device_id", extra.get("previousId")))
    if isinstance(context.get("device"), dict):
        found.append(("device_id", context["device"].get("id")))
    for source in (context.get("traits"), event.get("traits")):
        if isinstance(source, dict):
            found += [(TRAIT_KEYS[k.lower()], v) for k, v in source.items()
                      if k.lower() in TRAIT_KEYS]
    props = event.get("properties") or {}
    if event.get("type") == "track" and isinstance(props, dict):
        found += [(k, props[k]) for k in PROPERTY_KEYS if k in props]
    return found


def extract(event: dict[str, Any], rules: Rules, user_id_type: str = "user_id") -> Found:
    """The normalised identifiers of an event row (as stored in `events`); the userId is of
    `user_id_type`, its source's setting."""
    scope = None
    linkable: set[Ident] = set()
    blocked: set[Ident] = set()
    for type_, raw in _candidates(event, user_id_type):
        if raw is None or type_ not in rules.by_type:
            continue
        value = rules.normalise(type_, raw)
        if value is None:
            if str(raw).strip():
                blocked.add(Ident(type_, str(raw).strip()[:200]))
            continue
        if type_ in rules.scoped_types:
            scope = scope or _app_scope(event, event.get("traits") or {})
            value = f"{scope}:{value}"[:200]
        linkable.add(Ident(type_, value))
    order = lambda i: (rules.priority(i.type), i.value)  # noqa: E731
    return Found(tuple(sorted(linkable, key=order)), tuple(sorted(blocked - linkable)))
