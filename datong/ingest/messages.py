"""Turns one Segment-spec message into an event row, or says why it must be quarantined.

Hand-written rather than a pydantic model: this runs for every message on the hot path.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from datong.ingest.sources import Source

TYPES = ("track", "identify", "page", "screen", "group", "alias")
MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_MESSAGE_ID = 100
MAX_ID = 200
OFFLINE_VALUES = frozenset({"store", "offline", "pos"})
ONLINE_VALUES = frozenset({"online", "app", "web", "mini_program", "miniprogram", "h5"})
_KNOWN = frozenset({
    "type", "messageId", "userId", "anonymousId", "event", "properties", "traits", "context",
    "timestamp", "originalTimestamp", "sentAt", "receivedAt", "writeKey",
})
_EXTRA_KEYS = ("name", "category", "groupId", "previousId", "integrations")


class Rejected(Exception):  # noqa: N818 - it is a verdict, not a failure of the code
    """A message that fails validation; it goes to the quarantine with this reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Arrival:
    """What the server knows of a message beyond its body: who sent it, when, how."""

    source: Source
    received_at: datetime
    sent_at: datetime | None = None
    context: dict[str, Any] | None = None  # batch-level context, the message's wins


def parse_time(value: Any, field: str) -> datetime | None:
    """An ISO-8601 string (naive means UTC) or epoch milliseconds → aware UTC datetime."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            parsed = datetime.fromtimestamp(value / 1000, UTC)
        else:
            raise TypeError
    except (TypeError, ValueError, OverflowError, OSError):
        raise Rejected("invalid_field", f"{field} is not an ISO-8601 time: {value!r:.60}") from None
    if parsed.tzinfo is UTC:  # "Z" or "+00:00": already what it must be
        return parsed
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _identifier(msg: dict[str, Any], field: str) -> str | None:
    value = msg.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Rejected("invalid_field", f"{field} must be a string")
    text = str(value)
    if len(text) > MAX_ID:
        raise Rejected("invalid_field", f"{field} is longer than {MAX_ID} characters")
    return text


def _object(msg: dict[str, Any], field: str) -> dict[str, Any] | None:
    value = msg.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Rejected("invalid_field", f"{field} must be an object")
    return value


def _message_id(msg: dict[str, Any]) -> str:
    value = msg.get("messageId")
    if value is None or value == "":
        return f"srv-{uuid.uuid4()}"
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Rejected("invalid_field", "messageId must be a string")
    text = str(value)
    if len(text) > MAX_MESSAGE_ID:
        raise Rejected("invalid_message_id",
                       f"messageId is longer than {MAX_MESSAGE_ID} characters")
    return text


def _check_identity(kind: str, msg: dict[str, Any], user_id: str | None, anon: str | None) -> None:
    if kind == "alias":
        if not user_id or not msg.get("previousId"):
            raise Rejected("missing_identity", "alias needs userId and previousId")
    elif not (user_id or anon):
        raise Rejected("missing_identity", "the message has neither userId nor anonymousId")
    if kind == "group" and not msg.get("groupId"):
        raise Rejected("missing_field", "group needs groupId")


def _event_name(kind: str, msg: dict[str, Any]) -> str | None:
    if kind != "track":
        return None
    name = msg.get("event")
    if not isinstance(name, str) or not name.strip():
        raise Rejected("missing_event", "track needs an event name in event")
    if len(name) > 200:
        raise Rejected("invalid_field", "event is longer than 200 characters")
    return name


def event_channel(source: Source, properties: dict[str, Any] | None) -> str:
    hint = properties.get("channel") if properties else None
    if isinstance(hint, str):
        hint = hint.lower()
        if hint in OFFLINE_VALUES:
            return "offline"
        if hint in ONLINE_VALUES:
            return "online"
    return source.channel


def store_code(properties: dict[str, Any] | None) -> str | None:
    if not properties:
        return None
    value = properties.get("store_id", properties.get("store_code"))
    if value is None or isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)[:32]


def _times(
    msg: dict[str, Any], arrival: Arrival
) -> tuple[datetime, datetime | None, datetime | None]:
    """Segment's clock-skew correction: timestamp = receivedAt - (sentAt - originalTimestamp)."""
    original = parse_time(msg.get("originalTimestamp", msg.get("timestamp")), "timestamp")
    sent_at = parse_time(msg.get("sentAt"), "sentAt") or arrival.sent_at
    if original is None:
        return arrival.received_at, None, sent_at
    if sent_at is None:
        return original, original, None
    return arrival.received_at - (sent_at - original), original, sent_at


def normalize(msg: Any, kind: str | None, arrival: Arrival) -> dict[str, Any]:
    """Validate one message and return its event row; raise Rejected to quarantine it."""
    if not isinstance(msg, dict):
        raise Rejected("invalid_message", "a message must be a JSON object")
    kind = kind or msg.get("type")
    if kind not in TYPES:
        raise Rejected("invalid_type", f"type must be one of {', '.join(TYPES)}, not {kind!r:.40}")
    message_id = _message_id(msg)
    user_id, anon = _identifier(msg, "userId"), _identifier(msg, "anonymousId")
    _check_identity(kind, msg, user_id, anon)
    event = _event_name(kind, msg)
    properties = _object(msg, "properties")
    traits = _object(msg, "traits")
    context = _object(msg, "context")
    if arrival.context:
        context = {**arrival.context, **(context or {})}
    if kind == "identify" and traits is None and isinstance((context or {}).get("traits"), dict):
        traits = context["traits"]  # type: ignore[index]  # RudderStack: only context.traits
    timestamp, original, sent_at = _times(msg, arrival)
    return {
        "source_id": arrival.source.id,
        "message_id": message_id,
        "type": kind,
        "event": event,
        "user_id": user_id,
        "anonymous_id": anon,
        "channel": event_channel(arrival.source, properties),
        "store_code": store_code(properties),
        "timestamp": timestamp,
        "original_timestamp": original,
        "sent_at": sent_at,
        "received_at": arrival.received_at,
        "properties": properties,
        "traits": traits,
        "context": context,
        "extra": _extra(msg),
    }


def _extra(msg: dict[str, Any]) -> dict[str, Any] | None:
    """The rest of the message: name, category, groupId, previousId, integrations first,
    then any key the spec does not know, in the message's order."""
    if _KNOWN.issuperset(msg):  # the usual message: one pass in C, nothing to keep
        return None
    extra = {k: msg[k] for k in _EXTRA_KEYS if k in msg}
    extra.update({k: v for k, v in msg.items() if k not in _KNOWN and k not in _EXTRA_KEYS})
    return extra or None


def quarantine_row(raw: Any, kind: str | None, arrival: Arrival, error: Rejected) -> dict[str, Any]:
    """The quarantine row for a rejected message, keeping its raw body."""
    body = raw if isinstance(raw, dict) else {"message": raw}
    if kind and isinstance(raw, dict) and "type" not in raw:
        body = {"type": kind, **raw}
    message_id = raw.get("messageId") if isinstance(raw, dict) else None
    return {
        "source_id": arrival.source.id,
        "message_id": str(message_id)[:200] if message_id is not None else None,
        "reason_code": error.code,
        "reason": error.reason[:500],
        "raw": orjson.dumps(body).decode(),
        "received_at": arrival.received_at,
        "status": "pending",
    }


def split_messages(
    raws: list[Any], kind: str | None, arrival: Arrival, *, measure: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Validate each message: good ones become event rows, bad ones quarantine rows."""
    good: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    for raw in raws:
        try:
            if measure and len(orjson.dumps(raw)) > MAX_MESSAGE_BYTES:
                raise Rejected("message_too_large", "the message is larger than 32 KB")
            good.append(normalize(raw, kind, arrival))
        except Rejected as error:
            bad.append(quarantine_row(raw, kind, arrival, error))
    return good, bad
