"""Validation and normalisation of single Segment messages (no store needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from datong.ingest.messages import Arrival, Rejected, normalize, split_messages
from datong.ingest.sources import Source

APP = Source(1, "app", "online")
POS = Source(2, "pos", "offline")
NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def arrival(source: Source = APP, **kw: object) -> Arrival:
    return Arrival(source, NOW, **kw)  # type: ignore[arg-type]


def test_clock_skew_is_corrected_and_all_four_times_kept() -> None:
    # The device clock runs 10 minutes fast: it says the event happened at 12:09:50 and the
    # batch was sent at 12:10:00; the server received it at 12:00:00.
    row = normalize(
        {"userId": "u1", "event": "Product Viewed", "timestamp": "2026-11-23T12:09:50Z",
         "sentAt": "2026-11-23T12:10:00Z"},
        "track", arrival(),
    )
    assert row["timestamp"] == NOW - timedelta(seconds=10)
    assert row["original_timestamp"] == datetime(2026, 11, 23, 12, 9, 50, tzinfo=UTC)
    assert row["sent_at"] == datetime(2026, 11, 23, 12, 10, tzinfo=UTC)
    assert row["received_at"] == NOW


def test_batch_sent_at_applies_to_messages_without_their_own() -> None:
    sent = datetime(2026, 11, 23, 12, 0, 30, tzinfo=UTC)
    row = normalize(
        {"type": "track", "userId": "u", "event": "E", "timestamp": "2026-11-23T12:00:20+00:00"},
        None, arrival(sent_at=sent),
    )
    assert row["timestamp"] == NOW - timedelta(seconds=10)


def test_without_sent_at_the_client_time_is_trusted_and_without_any_time_now() -> None:
    row = normalize({"userId": "u", "event": "E", "timestamp": "2026-01-02T03:04:05+08:00"},
                    "track", arrival())
    assert row["timestamp"] == datetime(2026, 1, 1, 19, 4, 5, tzinfo=UTC)
    assert row["sent_at"] is None
    row = normalize({"userId": "u", "event": "E"}, "track", arrival())
    assert row["timestamp"] == NOW and row["original_timestamp"] is None


def test_naive_times_are_utc_and_epoch_millis_are_accepted() -> None:
    row = normalize({"userId": "u", "event": "E", "timestamp": "2026-05-01T08:00:00"},
                    "track", arrival())
    assert row["timestamp"] == datetime(2026, 5, 1, 8, tzinfo=UTC)
    row = normalize({"userId": "u", "event": "E", "timestamp": 1_700_000_000_000},
                    "track", arrival())
    assert row["timestamp"] == datetime.fromtimestamp(1_700_000_000, UTC)


@pytest.mark.parametrize(
    ("message", "kind", "code"),
    [
        ({"event": "E"}, "track", "missing_identity"),
        ({"userId": "", "anonymousId": None, "event": "E"}, "track", "missing_identity"),
        ({"userId": "u"}, "track", "missing_event"),
        ({"userId": "u", "event": "  "}, "track", "missing_event"),
        ({"userId": "u", "event": "E", "properties": [1, 2]}, "track", "invalid_field"),
        ({"userId": {"a": 1}, "event": "E"}, "track", "invalid_field"),
        ({"userId": "u", "event": "E", "timestamp": "yesterday"}, "track", "invalid_field"),
        ({"userId": "u", "traits": "phone"}, "identify", "invalid_field"),
        ({"userId": "u", "event": "E", "messageId": "x" * 101}, "track", "invalid_message_id"),
        ({"type": "purchase", "userId": "u"}, None, "invalid_type"),
        ({"userId": "u"}, "alias", "missing_identity"),
        ({"userId": "u"}, "group", "missing_field"),
        ("not an object", "track", "invalid_message"),
    ],
)
def test_invalid_messages_are_rejected_with_a_typed_reason(
    message: object, kind: str | None, code: str
) -> None:
    with pytest.raises(Rejected) as caught:
        normalize(message, kind, arrival())
    assert caught.value.code == code
    assert caught.value.reason


def test_message_id_of_100_characters_is_accepted_and_missing_one_is_made() -> None:
    row = normalize({"userId": "u", "event": "E", "messageId": "x" * 100}, "track", arrival())
    assert row["message_id"] == "x" * 100
    made = normalize({"userId": "u", "event": "E"}, "track", arrival())["message_id"]
    assert made.startswith("srv-") and len(made) < 100


def test_store_orders_are_offline_whatever_the_source() -> None:
    msg = {"userId": "u", "event": "Order Completed",
           "properties": {"channel": "store", "store_id": "SH01", "staff_id": "c7", "total": 9900}}
    row = normalize(msg, "track", arrival(APP))
    assert row["channel"] == "offline" and row["store_code"] == "SH01"
    assert normalize({"userId": "u", "event": "Store Visited"}, "track", arrival(POS))[
        "channel"] == "offline"
    assert normalize({"userId": "u", "event": "E"}, "track", arrival(APP))["channel"] == "online"


def test_rest_of_message_kept_in_extra_and_batch_context_merged() -> None:
    msg = {"type": "page", "anonymousId": "a", "name": "Home", "category": "Shop",
           "integrations": {"All": True}, "channel": "web", "context": {"ip": "1.2.3.4"}}
    row = normalize(msg, None, arrival(context={"library": {"name": "x"}, "ip": "0.0.0.0"}))
    assert row["extra"] == {"name": "Home", "category": "Shop", "integrations": {"All": True},
                            "channel": "web"}
    assert row["context"] == {"library": {"name": "x"}, "ip": "1.2.3.4"}


def test_split_keeps_good_and_quarantines_bad_with_raw_body() -> None:
    good, bad = split_messages(
        [{"type": "track", "userId": "u", "event": "E", "messageId": "1"},
         {"type": "track", "userId": "u", "messageId": "2"},
         {"type": "track", "userId": "u", "event": "E", "properties": {"blob": "x" * 40_000}}],
        None, arrival(),
    )
    assert [r["message_id"] for r in good] == ["1"]
    assert [(r["message_id"], r["reason_code"]) for r in bad] == [
        ("2", "missing_event"), (None, "message_too_large")]
    assert '"userId":"u"' in bad[0]["raw"]
