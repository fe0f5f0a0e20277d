"""/api/v1/reservations: experiences, slots, bookings, cancel, check-in, no-shows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from datong.api.deps import AdminPrincipal, CurrentPrincipal, RuntimeDep
from datong.bounds import Id, SmallId
from datong.offers import reservations as service
from datong.offers.access import require_manager
from datong.offers.people import resolve
from datong.offers.routes import Ctx, read, write
from datong.offers.schemas import Channel

router = APIRouter(prefix="/api/v1/reservations", tags=["reservations"])


class ExperienceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    store: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=500)
    coupon_template_id: SmallId | None = Field(None, description="coupon granted on check-in")


class SlotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: datetime
    ends_at: datetime
    capacity: int = Field(ge=1, le=10_000)


class SlotsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slots: list[SlotCreate] = Field(min_length=1, max_length=500)


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: Id
    person: str = Field(min_length=1, max_length=250)
    seats: int = Field(1, ge=1, le=20)
    channel: Channel = "online"
    store: str | None = None


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel = "online"


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    store: str = Field(min_length=1, max_length=32)
    code: str | None = Field(None, max_length=40)
    qr: str | None = Field(None, max_length=200)


class NoShows(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: datetime | None = None


@router.post("/experiences", status_code=201)
def post_experience(principal: CurrentPrincipal, runtime: RuntimeDep,
                    body: ExperienceCreate) -> dict[str, Any]:
    with write(runtime) as db:
        return service.create_experience(db=db, principal=principal, store=body.store,
                                         name=body.name, description=body.description,
                                         coupon_template_id=body.coupon_template_id)


@router.get("/experiences")
def get_experiences(principal: CurrentPrincipal, runtime: RuntimeDep,
                    store: str | None = None) -> dict[str, Any]:
    with read(runtime) as db:
        return {"data": service.list_experiences(db=db, store=store)}


@router.post("/experiences/{experience_id}/slots", status_code=201)
def post_slots(principal: CurrentPrincipal, runtime: RuntimeDep, experience_id: SmallId,
               body: SlotsCreate) -> dict[str, Any]:
    with write(runtime) as db:
        made = service.add_slots(db=db, principal=principal, experience_id=experience_id,
                                 slots=[(s.starts_at, s.ends_at, s.capacity)
                                        for s in body.slots])
        return {"data": made}


@router.get("/slots")
def get_slots(principal: CurrentPrincipal, runtime: RuntimeDep,
              experience_id: SmallId | None = None, store: str | None = None
              ) -> dict[str, Any]:
    """Slots not yet started, soonest first, with the seats still free."""
    with read(runtime) as db:
        return {"data": service.list_slots(db=db, experience_id=experience_id, store=store)}


@router.post("", status_code=201)
def post_booking(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
                 body: BookingCreate) -> dict[str, Any]:
    with write(runtime) as db:
        return service.book(db=db, ctx=ctx, principal=principal, slot_id=body.slot_id,
                            person=body.person, seats=body.seats, channel=body.channel,
                            store=body.store)


@router.get("")
def get_bookings(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
                 person: Annotated[str, Query(min_length=1)]) -> dict[str, Any]:
    require_manager(principal, "reading a person's bookings")
    with read(runtime) as db:
        person_id, _ = resolve(db=db, rules=ctx.rules, person=person)
        return {"person_id": person_id,
                "data": service.person_reservations(db=db, ctx=ctx, person_id=person_id)}


@router.post("/{reservation_id}/cancel")
def post_cancel(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
                reservation_id: Id, body: CancelRequest) -> dict[str, Any]:
    with write(runtime) as db:
        return service.cancel(db=db, ctx=ctx, principal=principal,
                              reservation_id=reservation_id, channel=body.channel)


@router.post("/check-in")
def post_check_in(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
                  body: CheckIn) -> dict[str, Any]:
    with write(runtime) as db:
        return service.check_in(db=db, ctx=ctx, principal=principal, store=body.store,
                                code=body.code, qr=body.qr)


@router.post("/no-shows")
def post_no_shows(principal: AdminPrincipal, runtime: RuntimeDep,
                  body: NoShows) -> dict[str, Any]:
    with write(runtime) as db:
        return {"no_shows": service.mark_no_shows(db=db, now=body.now)}
