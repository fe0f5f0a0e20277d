"""The demo's stores, staff accounts, sources and admin token, created once and reused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection

from datong.auth.tokens import create_token, list_tokens
from datong.demo.world import (
    ADMIN_TOKEN_NAME,
    DEMO_PASSWORD,
    SOURCES,
    TIMEZONE,
    StaffSpec,
    StoreSpec,
    staff_roster,
)
from datong.errors import NotFound
from datong.ingest.sources import Source, create_source, get_source
from datong.staff.service import create_staff, list_staff
from datong.stores.schemas import StoreCreate
from datong.stores.service import create_store, get_store


@dataclass
class Setup:
    """What the demo found or made; secrets only for what it made just now (shown once)."""

    sources: dict[str, Source]
    anchor: datetime  # the world ends here: when the demo first set this store up
    write_keys: dict[str, str] = field(default_factory=dict)
    admin_token: str | None = None
    stores_created: list[str] = field(default_factory=list)
    staff_created: list[StaffSpec] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return bool(self.write_keys or self.admin_token or self.stores_created
                    or self.staff_created)


def ensure_setup(*, db: Connection, stores: tuple[StoreSpec, ...],
                 password: str = DEMO_PASSWORD) -> Setup:
    """Create whatever of the demo's fixed world is missing; leave the rest alone."""
    setup = Setup(sources={}, anchor=_anchor(db))
    for spec in stores:
        _ensure_store(db, spec, setup)
    existing = {str(row["username"]) for row in list_staff(db=db)}
    for person in staff_roster(stores):
        if person.username not in existing:
            store_id = get_store(db=db, code=person.store_code).id if person.store_code else None
            create_staff(db=db, username=person.username, password=password, role=person.role,
                         display_name=person.display_name, store_id=store_id)
            setup.staff_created.append(person)
    for name, channel, _ in SOURCES:
        try:
            setup.sources[name] = get_source(db=db, name=name)
        except NotFound:
            setup.sources[name], setup.write_keys[name] = create_source(
                db=db, name=name, channel=channel,
                user_id_type="member_id" if channel == "offline" else "user_id")
    if not any(t["name"] == ADMIN_TOKEN_NAME for t in list_tokens(db=db)):
        setup.admin_token = create_token(db=db, name=ADMIN_TOKEN_NAME, role="admin")
    return setup


def _ensure_store(db: Connection, spec: StoreSpec, setup: Setup) -> None:
    try:
        get_store(db=db, code=spec.code)
    except NotFound:
        create_store(db=db, data=StoreCreate(
            code=spec.code, name=spec.name, city=spec.city, address=spec.address,
            latitude=spec.latitude, longitude=spec.longitude, timezone=TIMEZONE,
            opening_hours=spec.opening_hours(),
        ))
        setup.stores_created.append(spec.code)


def _anchor(db: Connection) -> datetime:
    """When the demo admin token was made (now, on a first run), to the hour: re-runs on
    later days rebuild the very same world and so insert nothing twice."""
    made = [t["created_at"] for t in list_tokens(db=db) if t["name"] == ADMIN_TOKEN_NAME]
    moment = made[0] if made and isinstance(made[0], datetime) else datetime.now(UTC)
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
