"""datong demo: generate and load the synthetic O2O world (see docs/demo.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from datong.commands.common import console, fail, settings
from datong.demo.credentials import write_credentials
from datong.demo.generate import parse_size
from datong.demo.loader import LoadReport, load_demo, store_has_events
from datong.demo.members import MemberSeeding
from datong.demo.offers import OffersReport, load_offers
from datong.demo.world import stores_for
from datong.runtime import Runtime


def demo(
    size: Annotated[str, typer.Option(
        help="small (~300 customers, ~50k events), medium (~20k, ~1.6M) or large (~140k, "
             "~11M); tiny is for tests")] = "small",
    seed: Annotated[int, typer.Option(help="the same seed makes the same world")] = 7,
    if_empty: Annotated[bool, typer.Option(
        "--if-empty", help="do nothing when the store already holds events")] = False,
    end: Annotated[str | None, typer.Option(
        help="ISO time the simulated year ends at; default: when the demo first ran here")]
    = None,
) -> None:
    """Load a year of a synthetic omnichannel brand: stores, staff, customers, events."""
    spec = parse_size(size)
    until = _parse_end(end)
    runtime = Runtime.build(settings())
    try:
        with runtime.engine.connect().execution_options(readonly=True) as conn:
            if if_empty and store_has_events(db=conn):
                console.print("the store already has events: demo skipped (--if-empty)")
                return
        with _progress() as bar:
            task = bar.add_task(f"demo {spec.name}", total=None, events=0)

            def advance(done: int, total: int, report: LoadReport) -> None:
                bar.update(task, completed=done, total=total, events=report.inserted)

            seeding = MemberSeeding(runtime.settings, runtime.outbox)
            setup, report = load_demo(engine=runtime.engine, size=spec.name, seed=seed,
                                      end=until, hooks=runtime.writer.hooks, progress=advance,
                                      members=seeding)
        offers = load_offers(engine=runtime.engine, settings=runtime.settings, seed=seed)
    finally:
        runtime.stop()
    _summary(report)
    console.print(f"loyalty: {seeding.enrolled:,} members enrolled, {seeding.redeemed:,} paid "
                  f"with points; jobs {seeding.job_counts}")
    _offers_summary(offers)
    path = write_credentials(settings().data_dir, setup, stores_for(spec))
    if path is not None:
        console.print(path.read_text(encoding="utf-8"), highlight=False, markup=False,
                      soft_wrap=True)
        console.print(f"(saved to {path})")
    else:
        console.print(f"sign-in details: {settings().data_dir / 'demo-credentials.txt'}")


def _offers_summary(r: OffersReport) -> None:
    if r.skipped:
        console.print("offers: the demo's coupons, referrals and bookings are there already")
        return
    console.print(
        f"offers: {r.claimed:,} coupons claimed, {r.redeemed_in_store:,} redeemed in store and "
        f"{r.redeemed_online:,} online, {r.expired:,} expired; {r.referrals:,} referrals; "
        f"{r.bookings:,} bookings", highlight=False)


def _parse_end(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"--end must be an ISO date or time, not {text!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("activities · {task.fields[events]:,} events"), TimeElapsedColumn(),
        TimeRemainingColumn(), console=console, transient=False,
    )


def _summary(r: LoadReport) -> None:
    console.print(
        f"demo {r.size} (seed {r.seed}): {r.customers:,} customers and {r.visitors:,} anonymous "
        f"visitors, {r.start:%Y-%m-%d} to {r.end:%Y-%m-%d}; {r.messages:,} messages → "
        f"{r.inserted:,} new events, {r.duplicates:,} already there, {r.quarantined:,} "
        f"quarantined, in {r.seconds:.1f} s ({r.per_second:,.0f} messages/s)",
        highlight=False,
    )
