"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# An autoincrementing 64-bit key: SQLite only autoincrements INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores an aware datetime as UTC; reads it back aware in UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_dumps(value: Any) -> str:
    """JSON text for the state store: UTF-8 kept readable, fast."""
    return orjson.dumps(value).decode()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def epoch_micros(when: datetime) -> int:
    """Microseconds since 1970-01-01 UTC, exactly (no float on the way)."""
    return (when - EPOCH) // _MICROSECOND


def utcnow() -> datetime:
    return datetime.now(UTC)


_TEXTS: dict[datetime, str] = {}
_TEXTS_SIZE = 100_000


def sqlite_time(value: datetime) -> str:
    """The text a UTCDateTime is stored as on SQLite (naive UTC, microseconds).

    On the ingest hot path one event time is written to the log, folded into counters and
    keyed for identity resolution: the texts of recent times are kept, not recomputed."""
    text = _TEXTS.get(value)
    if text is None:
        if len(_TEXTS) >= _TEXTS_SIZE:
            _TEXTS.clear()
        text = _TEXTS[value] = utc_text(value)
    return text


def utc_text(value: datetime) -> str:
    """`sqlite_time` without keeping the text: for a time that is converted only once."""
    d = value.astimezone(UTC) if value.tzinfo is not UTC and value.utcoffset() else value
    # isoformat is C code (a third of the cost of formatting the fields); the slice drops the
    # "+00:00" of an aware value. Years are zero-padded to four digits either way.
    return d.isoformat(" ", "microseconds")[:26]
