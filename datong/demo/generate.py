"""Building a world from (size, seed, end) and streaming it as chunks of Segment messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from datong.demo import offline, online
from datong.demo.activities import REFUND, REVIEW, SESSION, TABLET, VISIT, Activities
from datong.demo.basket import Picker
from datong.demo.behaviour import Frame, simulate
from datong.demo.catalogue import build_catalogue
from datong.demo.compose import Cast, Draws, Emitter, Message, columns, format_timestamps
from datong.demo.people import build_people
from datong.demo.seasons import build_calendar
from datong.demo.world import DAYS_SIMULATED, SIZES, TIMEZONE, Size, clerk_usernames, stores_for
from datong.errors import Invalid

ACTIVITIES_PER_CHUNK = 500  # about 3–4 thousand messages: one transaction each
_COMPOSERS: dict[int, Callable[..., None]] = {
    SESSION: online.session, VISIT: offline.visit, REFUND: offline.refund,
    REVIEW: online.review, TABLET: online.tablet,
}


@dataclass
class World:
    size: Size
    seed: int
    cast: Cast
    activities: Activities
    start: datetime
    end: datetime

    @property
    def chunks(self) -> int:
        return -(-len(self.activities) // ACTIVITIES_PER_CHUNK)


def parse_size(name: str) -> Size:
    if name not in SIZES:
        raise Invalid(f"size must be one of {', '.join(SIZES)}, not {name!r}", field="size")
    return SIZES[name]


def build_world(size: Size, seed: int, end: datetime) -> World:
    """The people, catalogue and a year of activities ending just before `end`."""
    rng = np.random.default_rng(seed)
    local_end = end.astimezone(ZoneInfo(TIMEZONE))
    first_day = local_end.date() - timedelta(days=DAYS_SIMULATED)
    start = datetime.combine(first_day, time(), ZoneInfo(TIMEZONE)).astimezone(UTC)
    # An hour's margin keeps a session that starts just before the end out of the future.
    end_ts = int(end.timestamp()) - 3600
    stores = stores_for(size)
    calendar = build_calendar(first_day, DAYS_SIMULATED + 1)
    catalogue = build_catalogue(size.products)
    people = build_people(rng, size, stores, calendar.days)
    clerks = clerk_usernames(stores)
    frame = Frame(
        people=people,
        picker=Picker(catalogue, calendar),
        calendar=calendar,
        same_city=[np.array([j for j, o in enumerate(stores) if o.city == s.city]) for s in stores],
        clerks=np.array([len(c) for c in clerks]),
        start_ts=int(start.timestamp()),
        end_ts=end_ts,
    )
    activities = simulate(rng, frame)
    cast = Cast(people, catalogue, stores, clerks, f"demo-{size.name}-{seed}", frame.start_ts)
    return World(size, seed, cast, activities, start, datetime.fromtimestamp(end_ts, UTC))


def compose_chunk(world: World, index: int) -> list[Message]:
    """The messages of the index-th chunk of activities; the same every time."""
    first = index * ACTIVITIES_PER_CHUNK
    chunk = world.activities.take(slice(first, first + ACTIVITIES_PER_CHUNK))
    rng = np.random.default_rng([world.seed, index, 0x0D3A0])
    draws = Draws(rng, len(chunk), world.cast.catalogue)
    out: list[Message] = []
    emitter = Emitter(out, draws.gaps)
    cols = columns(chunk)
    for i, kind in enumerate(cols["kind"]):
        # Zero-padded so that ids rise with time: index inserts append instead of scatter.
        emitter.begin(f"{world.cast.id_prefix}-{first + i:08d}")
        _COMPOSERS[kind](emitter, world.cast, cols, i, draws)
    format_timestamps(out)
    return out


def iter_chunks(world: World) -> Iterator[tuple[int, list[Message]]]:
    """(activities composed so far, messages) per chunk, in time order."""
    for index in range(world.chunks):
        done = min((index + 1) * ACTIVITIES_PER_CHUNK, len(world.activities))
        yield done, compose_chunk(world, index)
