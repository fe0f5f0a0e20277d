"""One typed settings object, built at start and passed in; never a module global."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from datong.errors import ConfigError
from datong.identity.rules import SHARED_DEVICE_TYPES, RuleOverride, Rules, build_rules
from datong.profiles.rules import DEFAULT_TAG_RULES, TagRule

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev-secret-change-me"})


class Settings(BaseSettings):
    """Every knob of a datong deployment; each reads from a `DATONG_*` environment variable."""

    model_config = SettingsConfigDict(env_prefix="DATONG_", extra="forbid", frozen=True)

    env: Literal["dev", "test", "prod"] = Field(
        "dev",
        description="Deployment kind (dev, test, prod); prod refuses a placeholder secret key.",
    )
    data_dir: Path = Field(
        Path("./datong-data"), description="Folder for the SQLite file, the Parquet lake and logs."
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the state store; empty means a SQLite file in the data dir. "
        "Use postgresql+psycopg://user@host/db for PostgreSQL.",
    )
    secret_key: str = Field(
        "dev-secret-change-me", description="Key for signing sessions, QR payloads and hashes."
    )
    phone_region: str = Field("CN", description="Region used to normalise phone numbers without +.")
    timezone: str = Field(
        "Asia/Shanghai", description="Default time zone for display and naive times."
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        "FULL",
        description="SQLite fsync policy; FULL survives power loss, NORMAL only process death.",
    )
    sqlite_cache_mb: int = Field(
        64, ge=2, le=4096,
        description="SQLite page cache per connection, in MiB; the hot indexes of identity "
        "and profiles should fit.",
    )
    ingest_max_pending: int = Field(
        20_000,
        ge=100,
        description="Messages waiting for the writer before /v1 answers 503 with Retry-After.",
    )
    ingest_max_group: int = Field(
        5_000, ge=1, description="Most messages the writer commits in one transaction."
    )
    ingest_retry_after: int = Field(
        2, ge=1, description="Seconds sent in Retry-After when ingestion is overloaded."
    )
    hot_paths: bool = Field(
        True, description="Answer coupon claims, checks and redemptions through the lean "
        "hot-path layer in front of the API framework (same checks and answers, less "
        "overhead per call); off sends them through the ordinary routes.",
    )
    lake_sync_interval: float = Field(
        60.0, ge=0, description="Seconds between lake syncs run by the server; 0 turns it off."
    )
    lake_sync_lag: float = Field(
        5.0, ge=0, description="Events younger than this many seconds wait for the next lake sync."
    )
    analytics_engine: Literal["duckdb", "spark"] = Field(
        "duckdb",
        description="Engine that runs analytics over the lake: duckdb (embedded) or spark.",
    )

    identity_rules: dict[str, RuleOverride] = Field(
        default_factory=dict,
        description="JSON: per identifier type, changes to priority, max_per_person and blocked "
        'values, e.g. {"device_id": {"blocked": ["tablet-SH01"]}}; a new type may be added.',
    )
    identity_merge_cap: int = Field(
        3, ge=2, description="Most persons one message may merge; more is a conflict."
    )
    identity_shared_device_types: list[str] = Field(
        default_factory=lambda: sorted(SHARED_DEVICE_TYPES),
        description="JSON list: `context.device.type` values of devices many customers use "
        "(tills, store kiosks); their `context.device.id` never links two messages.",
    )
    identity_cache_size: int = Field(
        200_000, ge=0,
        description="Identifier rows the ingest writer keeps in memory between transactions "
        "(checked against the store's identity clock each time); 0 keeps none.",
    )
    identity_suggestion_threshold: float = Field(
        0.9, gt=0, lt=1,
        description="Match probability from which two persons without a shared identifier "
        "are suggested as one for an admin to review (never merged automatically).",
    )

    profile_tag_rules: list[TagRule] = Field(
        default_factory=lambda: list(DEFAULT_TAG_RULES),
        description="JSON: tags given by rule over computed traits, e.g. "
        '[{"name": "vip", "when": {"spend_total_gte": 500000}}]; conditions are a computed '
        "trait name, optionally suffixed _gte, _lte, _gt or _lt.",
    )

    console_session_hours: float = Field(
        12.0, gt=0, le=24 * 30,
        description="Hours a console sign-in lasts before the staff member signs in again.",
    )
    console_assets_dir: Path | None = Field(
        None,
        description="Folder holding the console's npm packages (chart.js, jsqr); default: the "
        "node_modules that `make install` fills next to the package.",
    )
    loyalty_jobs_interval: float = Field(
        300.0, ge=0,
        description="Seconds between the server's loyalty jobs (points whose return window "
        "closed become spendable, timed-out holds are released, expired points expire); "
        "0 turns them off.",
    )
    referral_trigger: Literal["enrolment", "first_order"] = Field(
        "enrolment",
        description="When a referral is rewarded: the invitee enrols as a member, or places "
        "a first order.",
    )
    referral_inviter_template: int | None = Field(
        None, ge=1, description="Coupon template id given to the inviter of a granted referral."
    )
    referral_invitee_template: int | None = Field(
        None, ge=1, description="Coupon template id given to the invitee of a granted referral."
    )
    referral_daily_cap: int = Field(
        10, ge=1, description="Most referrals one inviter is rewarded for per day (local time)."
    )
    referral_total_cap: int = Field(
        100, ge=1, description="Most referrals one inviter is ever rewarded for."
    )
    referral_shared_identifiers: list[str] = Field(
        default_factory=lambda: ["device_id", "phone", "payment_account"],
        description="JSON: identifier types that, when inviter and invitee both used one "
        "value, refuse the reward.",
    )
    referral_link_base: str = Field(
        "http://127.0.0.1:8000/r/",
        description="Start of a share link; the referral code is appended.",
    )
    app_link_base: str = Field(
        "",
        description="The retailer's own app or mini-program link: when set, the QR landing "
        "pages /join?t=TOKEN and /r/CODE redirect to BASE/join?t=TOKEN and BASE/r/CODE "
        "instead of showing datong's enrolment form. Empty: datong's pages.",
    )
    landing_enrol_limit: int = Field(
        20, ge=0, le=100_000,
        description="Enrolments the public /join and /r/ pages accept per hour from one "
        "client address (ten times as many per link); 0 turns the limit off.",
    )
    reservation_checkin_early_minutes: int = Field(
        30, ge=0, le=1440,
        description="How many minutes before a slot starts its bookings may be checked in.",
    )

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {value!r}")
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("secret_key")
    @classmethod
    def _real_secret_in_prod(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("env") == "prod" and (value in PLACEHOLDER_SECRETS or len(value) < 16):
            raise ValueError("set a real secret of at least 16 characters when DATONG_ENV=prod")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        """The state store URL, defaulting to a SQLite file inside the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'datong.sqlite3').resolve()}"

    @property
    def rules(self) -> Rules:
        """The identity rules: defaults with this deployment's overrides."""
        return build_rules(
            self.identity_rules, merge_cap=self.identity_merge_cap,
            phone_region=self.phone_region, secret_key=self.secret_key,
            shared_device_types=frozenset(self.identity_shared_device_types),
        )

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, naming the bad key in a ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        key = "_".join(str(p) for p in first["loc"]) or "settings"
        name = f"DATONG_{key.upper()}" if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
