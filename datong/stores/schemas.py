"""Input and output shapes of stores."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class StoreCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=200)
    city: str = Field("", max_length=100)
    address: str = Field("", max_length=500)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    timezone: str = "Asia/Shanghai"
    opening_hours: dict[str, tuple[str, str]] = Field(
        default_factory=lambda: {d: ("10:00", "22:00") for d in DAYS}
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        for day, (opens, closes) in value.items():
            if day not in DAYS:
                raise ValueError(f"unknown day {day!r}; use {', '.join(DAYS)}")
            if not (_HHMM.match(opens) and _HHMM.match(closes)):
                raise ValueError(f"{day}: hours must look like 10:00")
        return value


class StorePublic(StoreCreate):
    model_config = ConfigDict(extra="ignore")

    id: int


def parse_hours(text: str) -> dict[str, tuple[str, str]]:
    """`10:00-22:00` for every day, or `mon-fri=10:00-22:00,sat=09:00-23:00`."""
    text = text.strip()
    if "=" not in text:
        opens, _, closes = text.partition("-")
        return {d: (opens, closes) for d in DAYS}
    hours: dict[str, tuple[str, str]] = {}
    for part in text.split(","):
        days, _, span = part.partition("=")
        opens, _, closes = span.partition("-")
        first, _, last = days.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"unknown day in {part!r}")
        chosen = DAYS[DAYS.index(first) : DAYS.index(last or first) + 1]
        hours.update({d: (opens, closes) for d in chosen})
    return hours
