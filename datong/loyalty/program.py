"""The loyalty program: one per deployment, kept in the state store, editable as TOML or JSON.

Points are whole numbers. Earning is `paid fen × points_per_yuan / 100`, times the
multipliers of the member's tier, the order's channel and store and each line's category,
rounded down once per order. Multipliers and rates are decimals (not money); money is fen.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Connection, select

from datong.bounds import MAX_POINTS, Fen
from datong.errors import Invalid
from datong.loyalty.tables import program_table
from datong.store.types import utcnow


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=20, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=40)
    # Qualifying spend (fen, net of refunds) over the rolling window to reach this tier.
    threshold: Fen
    multiplier: Decimal = Field(default=Decimal(1), ge=0, le=100)
    member_price: bool = False
    birthday_bonus: int = Field(default=0, ge=0, le=MAX_POINTS)


class Expiry(BaseModel):
    """`month_end`: points expire at the end of the month `months` after the month earned;
    `days`: `days` after earning; `never`."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["month_end", "days", "never"] = "month_end"
    months: int = Field(default=12, ge=0, le=120)
    days: int = Field(default=365, ge=1, le=3650)


class Caps(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_order: int | None = Field(default=None, ge=1, le=MAX_POINTS)
    per_day: int | None = Field(default=None, ge=1, le=MAX_POINTS)


DEFAULT_TIERS = [
    Tier(code="regular", name="普通", threshold=0),
    Tier(code="silver", name="银卡", threshold=200_000, multiplier=Decimal("1.2"),
         member_price=True, birthday_bonus=200),
    Tier(code="gold", name="金卡", threshold=800_000, multiplier=Decimal("1.5"),
         member_price=True, birthday_bonus=500),
    Tier(code="black", name="黑金", threshold=3_000_000, multiplier=Decimal(2),
         member_price=True, birthday_bonus=2000),
]


class Program(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="datong 会员", min_length=1, max_length=100)
    # What one point is worth when paying with points, in fen.
    point_value: int = Field(default=1, ge=1, le=10_000)
    points_per_yuan: Decimal = Field(default=Decimal(1), ge=0, le=1000)
    tiers: list[Tier] = Field(default_factory=lambda: [t.model_copy() for t in DEFAULT_TIERS])
    spend_window_days: int = Field(default=365, ge=1, le=3650)
    downgrade_grace_days: int = Field(default=30, ge=0, le=3650)
    expiry: Expiry = Field(default_factory=lambda: Expiry())
    # Earned points stay pending this many days (the return window), then become spendable.
    return_window_days: int = Field(default=7, ge=0, le=365)
    channel_multipliers: dict[str, Decimal] = Field(default_factory=dict)
    store_multipliers: dict[str, Decimal] = Field(default_factory=dict)  # by store code
    category_multipliers: dict[str, Decimal] = Field(default_factory=dict)
    caps: Caps = Field(default_factory=lambda: Caps())
    hold_timeout_seconds: int = Field(default=900, ge=10, le=86_400)
    member_code_seconds: int = Field(default=60, ge=15, le=600)

    @model_validator(mode="after")
    def _tiers_make_sense(self) -> Program:
        if not self.tiers:
            raise ValueError("tiers: at least one tier is needed")
        codes = [t.code for t in self.tiers]
        if len(set(codes)) != len(codes):
            raise ValueError("tiers: tier codes must be unique")
        if self.tiers[0].threshold != 0:
            raise ValueError("tiers: the first tier must have threshold 0 (every member has it)")
        thresholds = [t.threshold for t in self.tiers]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("tiers: thresholds must rise strictly from one tier to the next")
        for key in self.channel_multipliers:
            if key not in ("online", "offline"):
                raise ValueError(f"channel_multipliers: {key!r} is not online or offline")
        return self

    def tier(self, code: str) -> Tier:
        for tier in self.tiers:
            if tier.code == code:
                return tier
        return self.tiers[0]  # a tier removed from the program: treat as the entry tier

    def tier_for_spend(self, spend: int) -> Tier:
        reached = self.tiers[0]
        for tier in self.tiers:
            if spend >= tier.threshold:
                reached = tier
        return reached

    def rank(self, code: str) -> int:
        return next((i for i, t in enumerate(self.tiers) if t.code == code), 0)

    def expires_at(self, earned_at: datetime, tz: ZoneInfo) -> datetime | None:
        """When points earned at `earned_at` expire (the instant they stop counting)."""
        if self.expiry.mode == "never":
            return None
        if self.expiry.mode == "days":
            return earned_at + timedelta(days=self.expiry.days)
        local = earned_at.astimezone(tz)
        month = local.month + self.expiry.months  # the month whose end is the deadline
        year, month = local.year + (month - 1) // 12, (month - 1) % 12 + 1
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        return datetime(next_year, next_month, 1, tzinfo=tz).astimezone(earned_at.tzinfo)


def parse_program(data: Any, *, where: str = "program") -> Program:
    """A Program from a mapping, with an Invalid naming the first bad field."""
    try:
        return Program.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or where
        message = str(first["msg"]).removeprefix("Value error, ")
        raise Invalid(f"{where}: {field}: {message}", field=field) from None


def parse_toml(text: str, *, where: str = "program") -> Program:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"{where}: not valid TOML: {exc}", field="program") from None
    return parse_program(data, where=where)


def load_program(db: Connection) -> Program:
    """The current program (the defaults until one is saved)."""
    row = db.execute(select(program_table.c.config).where(program_table.c.id == 1)).first()
    return Program() if row is None else Program.model_validate(row.config)


def program_version(db: Connection) -> int:
    row = db.execute(select(program_table.c.version).where(program_table.c.id == 1)).first()
    return 0 if row is None else int(row.version)


def save_program(*, db: Connection, program: Program, actor: str) -> int:
    """Replace the program; return its new version."""
    config = program.model_dump(mode="json")
    version = program_version(db) + 1
    values = {"config": config, "version": version, "updated_at": utcnow(), "updated_by": actor}
    if version == 1:
        db.execute(program_table.insert().values(id=1, **values))
    else:
        db.execute(program_table.update().where(program_table.c.id == 1).values(**values))
    return version


def to_toml(program: Program) -> str:
    """The program as TOML text (what `datong loyalty program show` prints)."""
    data = program.model_dump(mode="json")
    lines: list[str] = []
    tables: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            tables[key] = value
        elif key != "tiers":
            lines.append(f"{key} = {_toml_value(value)}")
    for key, table in tables.items():
        lines += ["", f"[{key}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items() if v is not None]
    for tier in data["tiers"]:
        lines += ["", "[[tiers]]"] + [f"{k} = {_toml_value(v)}" for k, v in tier.items()]
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").isalnum() and key.isascii() else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if _is_decimal(text):
        return text  # decimals are written as TOML numbers
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.replace(".", "", 1).isdigit()
