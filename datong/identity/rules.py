"""Identifier types, their normalisation and the rules against over-merging."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field


class RuleOverride(BaseModel):
    """A per-type change to the defaults, from `DATONG_IDENTITY_RULES` (JSON)."""

    model_config = ConfigDict(extra="forbid")

    priority: int | None = Field(None, ge=1, description="1 is the strongest identifier")
    max_per_person: int | None = Field(None, ge=1)
    blocked: list[str] = Field(default_factory=list, description="values never linked")


@dataclass(frozen=True)
class Rule:
    type: str
    priority: int
    max_per_person: int
    blocked: frozenset[str] = frozenset()


# priority, max per person. Lower priority numbers win; the highest number is dropped first.
DEFAULTS: dict[str, tuple[int, int]] = {
    "user_id": (1, 1),
    "member_id": (2, 1),
    "wechat_unionid": (3, 1),
    "phone": (4, 2),
    "email": (5, 3),
    "card_number": (6, 2),
    "payment_account": (7, 3),
    "wechat_openid": (8, 3),
    "device_id": (9, 20),
}
MEMO_SIZE = 200_000
COMMON_JUNK = frozenset({
    "", "unknown", "null", "none", "nil", "undefined", "-1", "0", "anonymous", "n/a", "na",
    "test", "guest", "default", "00000000-0000-0000-0000-000000000000",
})
_JUNK_PHONE = re.compile(r"^(\d)\1+$|^1[3-9]\d0{7,}$|^1[3-9]\d{1,2}(\d)\2{7,}$")
SHARED_DEVICE_TYPES = frozenset({"pos", "kiosk"})
# Numbers typed at tills for customers who decline to give theirs (carrier hotlines).
PLACEHOLDER_PHONES = frozenset({"+8613800138000", "+8610086", "+8610010", "+8610000"})


@dataclass(frozen=True)
class Rules:
    """The rule set of a deployment: per type, plus the cap on persons one message merges."""

    by_type: dict[str, Rule]
    merge_cap: int = 3
    phone_region: str = "CN"
    hash_key: bytes = b""
    scoped_types: frozenset[str] = field(default_factory=lambda: frozenset({"wechat_openid"}))
    # `context.device.type` of devices many customers use (a till, a store kiosk): their
    # `context.device.id` is recorded as blocked and never links anyone.
    shared_device_types: frozenset[str] = SHARED_DEVICE_TYPES
    # Types a deployment added (not among the defaults): a trait of the same name carries one.
    custom_types: frozenset[str] = frozenset()
    # Normalised values already computed: the same devices, users and phones come back in
    # every batch, and parsing a phone number costs tens of microseconds.
    _memo: dict[tuple[str, str | int], str | None] = field(
        default_factory=dict, compare=False, hash=False, repr=False)
    _priorities: dict[str, int] = field(
        default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def priorities(self) -> dict[str, int]:
        """type → priority, built once (read for every event)."""
        if not self._priorities:
            self._priorities.update({n: rule.priority for n, rule in self.by_type.items()})
        return self._priorities

    def priority(self, type_: str) -> int:
        return self.by_type[type_].priority

    def normalise(self, type_: str, raw: object) -> str | None:
        """The canonical value, or None when it is junk or malformed (never linked)."""
        kind = type(raw)
        if kind is not str and kind is not int:
            return None if raw is None or isinstance(raw, bool | dict | list) else \
                self._normalise(type_, raw)
        key: Any = (type_, raw)
        try:
            return self._memo[key]
        except KeyError:
            pass
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        value = self._memo[key] = self._normalise(type_, raw)
        return value

    def _normalise(self, type_: str, raw: object) -> str | None:
        text = str(raw).strip()
        if not text or text.casefold() in COMMON_JUNK:
            return None
        value = _NORMALISERS.get(type_, _plain)(self, text)
        blocked = self.by_type[type_].blocked
        if value is None or value in blocked or text in blocked:
            return None
        return value[:200]


def _plain(rules: Rules, text: str) -> str | None:
    return text


def _phone(rules: Rules, text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, rules.phone_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if _JUNK_PHONE.match(str(number.national_number)):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None if e164 in PLACEHOLDER_PHONES else e164


def _email(rules: Rules, text: str) -> str | None:
    value = text.casefold()
    local, at, domain = value.partition("@")
    return value if at and local and "." in domain else None


def _card(rules: Rules, text: str) -> str | None:
    value = re.sub(r"[\s-]", "", text)
    return None if re.fullmatch(r"(\d)\1*", value) else value


def _hashed(rules: Rules, text: str) -> str | None:
    """Payment accounts are matched on a keyed hash and never stored in clear."""
    value = re.sub(r"\s", "", text).casefold()
    if text.startswith("h:") and len(text) == 42:
        return text  # already hashed (a replay of our own output)
    return "h:" + hmac.new(rules.hash_key, value.encode(), hashlib.sha256).hexdigest()[:40]


_NORMALISERS = {
    "phone": _phone, "email": _email, "card_number": _card, "payment_account": _hashed,
}


def build_rules(
    overrides: dict[str, RuleOverride], *, merge_cap: int, phone_region: str, secret_key: str,
    shared_device_types: frozenset[str] = SHARED_DEVICE_TYPES,
) -> Rules:
    """Defaults merged with the deployment's overrides (a new type may be added this way)."""
    by_type: dict[str, Rule] = {}
    for name in sorted(set(DEFAULTS) | set(overrides)):
        priority, most = DEFAULTS.get(name, (50, 1))
        change = overrides.get(name) or RuleOverride(priority=None, max_per_person=None)
        by_type[name] = Rule(
            type=name,
            priority=change.priority or priority,
            max_per_person=change.max_per_person or most,
            blocked=frozenset(change.blocked),
        )
    key = hashlib.sha256(b"datong-identity:" + secret_key.encode()).digest()
    return Rules(by_type, merge_cap=merge_cap, phone_region=phone_region, hash_key=key,
                 shared_device_types=frozenset(t.casefold() for t in shared_device_types),
                 custom_types=frozenset(set(by_type) - set(DEFAULTS)))
