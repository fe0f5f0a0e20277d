"""Request bodies of the membership API (answers are plain dicts built by the services)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from datong.bounds import JsonList, Points, PointsChange, StrictFen


class EnrolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=40, description="verified by the caller")
    name: str = Field("", max_length=100)
    channel: Literal["online", "offline"] | None = None
    store: str | None = Field(None, max_length=32, description="store code")
    clerk: str | None = Field(None, max_length=100, description="the clerk's username")
    referral_code: str | None = Field(None, max_length=100)
    enrol_token: str | None = Field(None, max_length=500,
                                    description="from a store's or clerk's enrolment QR")


class RedeemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: Points
    idempotency_key: str = Field(min_length=1, max_length=150)
    order_ref: str = Field(min_length=1, max_length=200)
    store: str | None = Field(None, max_length=32, description="store code")
    channel: Literal["online", "offline"] | None = None
    hold: bool = False
    hold_seconds: int | None = Field(None, ge=10, le=86_400)


class AdjustCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: PointsChange
    reason: str = Field(min_length=1, max_length=200)
    idempotency_key: str = Field(min_length=1, max_length=150)


class EnrolLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    store: str = Field(min_length=1, max_length=32, description="store code")
    clerk: str | None = Field(None, max_length=100)
    days: int | None = Field(None, ge=1, le=3650, description="valid for; none = no expiry")


class OrderCreate(BaseModel):
    """A till order a clerk keys in for a member (points for a POS order)."""

    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=100)
    total: StrictFen = Field(description="fen paid")
    store: str | None = Field(None, max_length=32, description="store code")
    channel: Literal["online", "offline"] | None = None
    clerk: str | None = Field(None, max_length=100)
    products: JsonList = Field(default_factory=list, max_length=200)
