"""What the landing pages do, without HTTP: read a signed enrolment link, enrol a visitor
through the loyalty service, and tell an invitee about their referral."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, select

from datong.auth.tables import staff
from datong.errors import Invalid, NotFound
from datong.ingest.log import EventHook
from datong.loyalty import service as loyalty
from datong.loyalty.codes import read_enrol_link
from datong.loyalty.program import load_program
from datong.offers.tables import referrals
from datong.outbox.service import Outbox
from datong.settings import Settings
from datong.store.types import utcnow
from datong.stores.tables import stores

ACTOR = "landing-page"


@dataclass(frozen=True)
class JoinLink:
    """Where a store's or a clerk's enrolment QR code says the visitor is."""

    token: str
    store_code: str
    store_name: str
    clerk_name: str | None


@dataclass(frozen=True)
class Welcome:
    member_no: str
    tier_name: str
    person_id: int


def app_link(settings: Settings, path: str) -> str | None:
    """The retailer's app link for `path` (`join?t=…`, `r/CODE`) when DATONG_APP_LINK_BASE
    is set: the app takes over the landing."""
    base = settings.app_link_base.strip()
    return f"{base.rstrip('/')}/{path}" if base else None


def join_path(token: str) -> str:
    return f"join?t={quote(token, safe='')}"


def read_join_link(*, db: Connection, settings: Settings, token: str | None,
                   now: datetime | None = None) -> JoinLink:
    """The store and clerk of a signed link; Invalid when missing, forged or expired."""
    if not token or not token.strip():
        raise Invalid("the link carries no enrolment token", field="t", code="no_link")
    if len(token) > 500:
        raise Invalid("this is not an enrolment link", field="t", code="bad_enrol_link")
    link = read_enrol_link(secret=settings.secret_key, token=token, now=now or utcnow())
    store = db.execute(select(stores.c.code, stores.c.name)
                       .where(stores.c.id == link.store_id)).first()
    if store is None:
        raise NotFound("the store of this link no longer exists", field="t",
                       code="bad_enrol_link")
    clerk = None
    if link.clerk:
        clerk = db.execute(select(staff.c.display_name)
                           .where(staff.c.username == link.clerk)).scalar()
    return JoinLink(token.strip(), store.code, store.name, clerk)


def enrol_visitor(*, db: Connection, settings: Settings, outbox: Outbox,
                  hooks: Sequence[EventHook], phone: str, name: str, consent: bool,
                  token: str | None = None, referral_code: str | None = None) -> Welcome:
    """Enrol the visitor who filled in a landing form: from a store's QR (`token`: its
    store and clerk are recorded) or a share link (`referral_code`: online)."""
    if not consent:
        raise Invalid("the visitor did not agree to the membership terms", field="consent",
                      code="consent")
    if not phone.strip() or len(phone) > 40:
        raise Invalid("a mobile number is needed", field="phone", code="bad_phone")
    data = loyalty.Enrolment(
        phone=phone, name=name.strip()[:100], enrol_token=token,
        channel=None if token else "online", referral_code=referral_code,
        consent_source="join page" if token else "share link")
    member = loyalty.enrol(db=db, settings=settings, outbox=outbox, hooks=hooks, data=data,
                           actor=ACTOR)
    tier = load_program(db).tier(member.tier)
    return Welcome(member.member_no, tier.name, member.person_id)


def invitee_reward(db: Connection, person_id: int) -> dict[str, Any] | None:
    """The invitee's referral as it stands right after enrolling: its status and coupon."""
    row = db.execute(select(referrals.c.status, referrals.c.invitee_coupon_id)
                     .where(referrals.c.invitee_person_id == person_id)
                     .order_by(referrals.c.id.desc())).first()
    return None if row is None else {"status": row.status, "coupon_id": row.invitee_coupon_id}
