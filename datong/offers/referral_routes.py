"""/api/v1/referrals: share codes and links, invitees, what an inviter sees."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from datong.api.deps import CurrentPrincipal, RuntimeDep
from datong.offers import referral
from datong.offers.access import require_manager
from datong.offers.codes import qr_svg
from datong.offers.people import resolve
from datong.offers.routes import Ctx, read, write
from datong.offers.schemas import Channel

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"])


class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str = Field(min_length=1, max_length=250)
    channel: Channel = "online"
    store: str | None = None


class ReferralCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40)
    invitee: str = Field(min_length=1, max_length=250)
    channel: Channel = "online"
    store: str | None = None


@router.post("/code")
def post_code(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
              body: ShareRequest) -> dict[str, Any]:
    """The person's share code and link (made on first ask)."""
    with write(runtime) as db:
        return referral.share_code(db=db, ctx=ctx, principal=principal, person=body.person,
                                   channel=body.channel, store=body.store)


@router.get("/code/{code}/qr.svg")
def get_code_qr(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
                code: Annotated[str, Path(max_length=40)]) -> Response:
    """A QR of the share link, for a poster or a clerk's card (404 for an unknown code)."""
    with read(runtime) as db:
        found = referral.known_code(db, code)
    return Response(qr_svg(referral.share_link(ctx, found)), media_type="image/svg+xml")


@router.post("", status_code=201)
def post_referral(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
                  body: ReferralCreate) -> dict[str, Any]:
    """An invitee arrived through a share link: pending until they enrol or first order."""
    with write(runtime) as db:
        return referral.record(db=db, ctx=ctx, principal=principal, code=body.code,
                               invitee=body.invitee, channel=body.channel, store=body.store)


@router.get("")
def get_referrals(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
                  person: Annotated[str, Query(min_length=1)]) -> dict[str, Any]:
    """An inviter's code, link, referrals (pending, granted, refused) and totals."""
    require_manager(principal, "reading referrals")
    with read(runtime) as db:
        person_id, _ = resolve(db=db, rules=ctx.rules, person=person)
        return referral.inviter_referrals(db=db, ctx=ctx, person_id=person_id)
