"""Pydantic I/O of the offers API, one class per direction."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from datong.bounds import Count, Fen, SmallId
from datong.offers.terms import Terms

Channel = Literal["online", "offline"]
Key = Field(min_length=1, max_length=200)


class TemplateCreate(Terms):
    name: str = Field(min_length=1, max_length=120)
    stock: Count | None = Field(None, description="total to issue; empty = unlimited")
    per_person_limit: int = Field(1, ge=1, le=1000)

    def terms(self) -> Terms:
        return Terms(**self.model_dump(exclude={"name", "stock", "per_person_limit"}))


class TemplateUpdate(BaseModel):
    """Terms given here make a new version (coupons issued before keep theirs); name, stock,
    per-person limit and status change the template itself."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=120)
    stock: Count | None = None
    unlimited_stock: bool = False
    per_person_limit: int | None = Field(None, ge=1, le=1000)
    status: Literal["active", "paused", "ended"] | None = None
    terms: dict[str, object] | None = Field(None, description="changed terms fields")


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: SmallId
    person: str = Field(min_length=1, max_length=250,
                        description="person id or identifier, e.g. phone:13812345678")
    channel: Channel = "online"
    store: str | None = Field(None, description="store code, for a clerk issuing in store")
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)


class BulkIssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: SmallId
    persons: list[str] = Field(min_length=1, max_length=10_000)
    idempotency_key: str | None = Field(None, min_length=1, max_length=150)


class ExchangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: SmallId
    person: str = Field(min_length=1, max_length=250)
    idempotency_key: str = Key
    channel: Channel = "online"
    store: str | None = None


class CouponInput(BaseModel):
    """A coupon as typed (`code`) or scanned (`qr`, the signed payload)."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(None, max_length=40)
    qr: str | None = Field(None, max_length=200)
    order_amount: Fen = Field(description="order amount before the coupon, fen")
    channel: Channel
    store: str | None = Field(None, description="store code; required in store")

    @model_validator(mode="after")
    def _one_of(self) -> CouponInput:
        if (self.code is None) == (self.qr is None):
            raise ValueError("give exactly one of code or qr")
        return self


class ValidateRequest(CouponInput):
    order_id: str | None = Field(None, min_length=1, max_length=100)


class RedeemRequest(CouponInput):
    order_id: str = Field(min_length=1, max_length=100)
    idempotency_key: str = Key


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=100)
    reason: str = Field("refund", max_length=200)


class ExpireRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: datetime | None = None
