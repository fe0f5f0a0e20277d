"""datong identity …: the identity graph from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import orjson
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from datong.commands.common import console, engine, settings

identity_app = typer.Typer(
    help="The identity graph: identifiers linked into persons.", no_args_is_help=True
)

_STAGES = {
    "edges": "reading edges", "components": "connected components",
    "identifiers": "reading identifiers", "compare": "comparing persons",
    "apply": "repairing identifiers",
}


@identity_app.command("rebuild")
def identity_rebuild(
    apply: Annotated[bool, typer.Option(
        "--apply", help="repair the identifiers whose person differs from their component")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Recompute persons as connected components of the identity graph on the analytics
    engine and compare them with the incremental result (--apply repairs differences)."""
    from datong.engines import create_engine
    from datong.identity.batch import rebuild_identity
    from datong.pipeline import person_listeners

    with create_engine(settings()) as analytics, _progress(shown=not as_json) as progress:
        report = rebuild_identity(
            engine=engine(), analytics=analytics, apply=apply, progress=progress,
            listeners=person_listeners(settings()))
    if as_json:
        typer.echo(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    table = Table("", "", show_header=False)
    for label, value in [
        ("clusters (persons)", report.clusters), ("identifiers", report.identifiers),
        ("edges", report.edges), ("differing", report.differing), ("merges", report.merges),
        ("splits", report.splits), ("conflicts", report.conflicts),
    ]:
        table.add_row(label, f"{value:,}")
    table.add_row("seconds", f"{report.seconds:.2f}")
    console.print(table)
    if report.applied:
        console.print(f"repaired {report.reassigned:,} identifiers "
                      f"({report.new_persons:,} new persons)")
    elif report.differing:
        console.print(f"{report.differing:,} identifiers differ from their component's person; "
                      "`datong identity rebuild --apply` repairs them")


@identity_app.command("suggest")
def identity_suggest(
    threshold: Annotated[float | None, typer.Option(
        "--threshold", help="match probability from which a pair is suggested "
        "(default: DATONG_IDENTITY_SUGGESTION_THRESHOLD)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
) -> None:
    """Score persons with no shared identifier (Splink) and queue likely matches for an admin
    to accept or reject; never merges."""
    from dataclasses import asdict

    from datong.identity.suggestions.service import run_suggestions

    config = settings()
    summary = run_suggestions(
        engine=engine(), rules=config.rules,
        threshold=config.identity_suggestion_threshold if threshold is None else threshold)
    if as_json:
        typer.echo(orjson.dumps(asdict(summary)).decode())
        return
    table = Table("", "", show_header=False)
    for label, value in asdict(summary).items():
        table.add_row(label, str(value))
    console.print(table)


@contextmanager
def _progress(*, shown: bool) -> Iterator[_StageBars]:
    bars = Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not shown, transient=True)
    with bars:
        yield _StageBars(bars)


class _StageBars:
    """The rebuild's progress callback: one bar per stage."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bars.add_task(_STAGES.get(stage, stage), total=total)
        self.bars.update(self.tasks[stage], completed=done, total=max(total, 1))
