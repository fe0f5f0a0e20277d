"""The coupon-template form as a marketer fills it in (yuan, days or dates, selects), turned
into the offers service's `TemplateCreate`, with a message for each field to fix.

Money is typed in yuan and parsed with Decimal into integer fen, never through a float.
Dates are whole local days in the console's time zone: valid from the start of the first
day to the end of the last.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Form
from pydantic import ValidationError

from datong.offers.schemas import TemplateCreate

KINDS = ("amount_off", "percent_off", "threshold", "free_gift", "points_exchange")
CHANNELS = ("both", "online", "offline")
TIER_ROWS = 3
MAX_YUAN = Decimal(10_000_000)
MAX_COUNT = 100_000_000
YUAN = re.compile(r"\d{1,9}(\.\d{1,2})?")
Short = Annotated[str, Form(max_length=200)]
Many = Annotated[list[str] | None, Form()]


class FieldError(Exception):
    """One field's input cannot be used; `key` names the message under `tplform.`."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class FormErrors(Exception):
    """Every field that needs fixing: field name → message key."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def yuan_to_fen(text: str) -> int:
    """`129`, `129.9`, `¥1,299.00` → 12900, 12990, 129900 fen; above 0, two decimals at most
    (plain digits: no exponent, no sign)."""
    cleaned = text.replace(",", "").replace("¥", "").replace("￥", "").strip()
    if not YUAN.fullmatch(cleaned):
        raise FieldError("err_amount")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldError("err_amount") from None
    if value <= 0 or value > MAX_YUAN:
        raise FieldError("err_amount")
    return int(value * 100)


def whole(text: str, *, low: int = 1, high: int = MAX_COUNT, key: str = "err_whole") -> int:
    cleaned = text.replace(",", "").strip()
    if not cleaned.isdigit() or len(cleaned) > 12 or not low <= int(cleaned) <= high:
        raise FieldError(key)
    return int(cleaned)


@dataclasses.dataclass
class TemplateForm:
    """The fields as typed, kept to show the form again with its errors."""

    name: str = ""
    kind: str = "amount_off"
    amount_off: str = ""
    percent_off: str = ""
    max_discount: str = ""
    tier_spend: list[str] = dataclasses.field(default_factory=lambda: [""] * TIER_ROWS)
    tier_off: list[str] = dataclasses.field(default_factory=lambda: [""] * TIER_ROWS)
    gift: str = ""
    min_spend: str = ""
    validity: str = "days"
    valid_days: str = "30"
    valid_from: str = ""
    valid_until: str = ""
    channels: str = "both"
    stores: list[str] = dataclasses.field(default_factory=list)
    per_person_limit: str = "1"
    stock: str = ""
    stacks: bool = False
    eligible_tiers: list[str] = dataclasses.field(default_factory=list)
    points_cost: str = ""
    restore_on_refund: bool = True


def read_template_form(
    name: Short = "", kind: Short = "amount_off", amount_off: Short = "",
    percent_off: Short = "", max_discount: Short = "", tier_spend: Many = None,
    tier_off: Many = None, gift: Short = "", min_spend: Short = "", validity: Short = "days",
    valid_days: Short = "", valid_from: Short = "", valid_until: Short = "",
    channels: Short = "both", stores: Many = None, per_person_limit: Short = "1",
    stock: Short = "", stacks: Short = "", eligible_tiers: Many = None, points_cost: Short = "",
    restore_on_refund: Short = "",
) -> TemplateForm:
    """The form's fields from the request (a FastAPI dependency)."""
    def rows(values: list[str] | None) -> list[str]:
        return (list(values or []) + [""] * TIER_ROWS)[:TIER_ROWS]

    return TemplateForm(
        name=name, kind=kind, amount_off=amount_off, percent_off=percent_off,
        max_discount=max_discount, tier_spend=rows(tier_spend), tier_off=rows(tier_off),
        gift=gift, min_spend=min_spend, validity=validity, valid_days=valid_days,
        valid_from=valid_from, valid_until=valid_until, channels=channels,
        stores=[s for s in stores or [] if s][:200], per_person_limit=per_person_limit,
        stock=stock, stacks=bool(stacks),
        eligible_tiers=[t for t in eligible_tiers or [] if t][:50],
        points_cost=points_cost, restore_on_refund=bool(restore_on_refund))


class _Reader:
    """Reads one field at a time, collecting the errors instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def take(self, field: str, read: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return read(*args, **kwargs)
        except FieldError as exc:
            self.errors.setdefault(field, exc.key)
            return None

    def need(self, field: str, text: str, read: Any, **kwargs: Any) -> Any:
        if not text.strip():
            self.errors.setdefault(field, "err_required")
            return None
        return self.take(field, read, text, **kwargs)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FieldError("err_date") from None


def _benefit(form: TemplateForm, r: _Reader) -> dict[str, Any]:
    """The kind's own fields: what the coupon takes off or gives."""
    terms: dict[str, Any] = {}
    if form.kind in ("amount_off", "points_exchange"):
        terms["amount_off"] = r.need("amount_off", form.amount_off, yuan_to_fen)
    if form.kind == "percent_off":
        terms["percent_off"] = r.need("percent_off", form.percent_off, whole, low=1, high=99,
                                      key="err_percent")
        if form.max_discount.strip():
            terms["max_discount"] = r.take("max_discount", yuan_to_fen, form.max_discount)
    if form.kind == "threshold":
        terms["tiers"] = _tiers(form, r)
    if form.kind == "free_gift":
        if not form.gift.strip():
            r.errors["gift"] = "err_required"
        terms["gift"] = form.gift.strip()
    if form.kind == "points_exchange" or form.points_cost.strip():
        terms["points_cost"] = r.need("points_cost", form.points_cost, whole)
    return terms


def _tiers(form: TemplateForm, r: _Reader) -> list[dict[str, int]]:
    tiers = []
    for i, (spend, off) in enumerate(zip(form.tier_spend, form.tier_off, strict=True)):
        if not spend.strip() and not off.strip():
            continue
        at, cut = r.need(f"tier_{i}", spend, yuan_to_fen), r.need(f"tier_{i}", off, yuan_to_fen)
        if at is not None and cut is not None:
            if cut >= at:
                r.errors.setdefault(f"tier_{i}", "err_tier_off")
            tiers.append({"spend": at, "off": cut})
    if not tiers and not any(k.startswith("tier_") for k in r.errors):
        r.errors["tier_0"] = "err_tiers_none"
    return tiers


def _validity(form: TemplateForm, r: _Reader, zone: tzinfo) -> dict[str, Any]:
    if form.validity != "dates":
        return {"valid_days": r.need("valid_days", form.valid_days, whole, high=3660,
                                     key="err_days")}
    until = r.need("valid_until", form.valid_until, _day)
    start = r.take("valid_from", _day, form.valid_from) if form.valid_from.strip() else None
    if until is not None and start is not None and until < start:
        r.errors["valid_until"] = "err_dates_order"
    terms: dict[str, Any] = {}
    if until is not None:
        terms["valid_until"] = datetime.combine(until + timedelta(days=1), time(0), zone)
    if start is not None:
        terms["valid_from"] = datetime.combine(start, time(0), zone)
    return terms


def _choices(form: TemplateForm, r: _Reader, stores: list[str],
             tiers: list[str]) -> dict[str, Any]:
    if form.kind not in KINDS:
        r.errors["kind"] = "err_choice"
    if form.channels not in CHANNELS:
        r.errors["channels"] = "err_choice"
    if any(s not in stores for s in form.stores):
        r.errors["stores"] = "err_choice"
    if any(t not in tiers for t in form.eligible_tiers):
        r.errors["eligible_tiers"] = "err_choice"
    return {"kind": form.kind, "channels": form.channels, "stores": form.stores,
            "eligible_tiers": form.eligible_tiers, "stacks": form.stacks,
            "restore_on_refund": form.restore_on_refund}


def to_template(form: TemplateForm, *, zone: tzinfo, stores: list[str],
                tiers: list[str]) -> TemplateCreate:
    """The template the form describes, or FormErrors naming each field to fix."""
    r = _Reader()
    if not form.name.strip():
        r.errors["name"] = "err_required"
    terms: dict[str, Any] = {"name": form.name.strip()[:120], **_choices(form, r, stores, tiers),
                             **_benefit(form, r), **_validity(form, r, zone)}
    if form.min_spend.strip():
        terms["min_spend"] = r.take("min_spend", yuan_to_fen, form.min_spend)
    terms["per_person_limit"] = r.need("per_person_limit", form.per_person_limit, whole,
                                       high=1000, key="err_limit")
    if form.stock.strip():
        terms["stock"] = r.take("stock", whole, form.stock)
    amount, floor = terms.get("amount_off"), terms.get("min_spend")
    if form.kind == "amount_off" and amount and floor and amount > floor:
        r.errors.setdefault("amount_off", "err_above_min_spend")
    if r.errors:
        raise FormErrors(r.errors)
    try:
        return TemplateCreate(**terms)
    except ValidationError as exc:  # a rule the fields above do not check one by one
        where = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "form"
        raise FormErrors({where if hasattr(form, where) else "form": "err_terms"}) from None
