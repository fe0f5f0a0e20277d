"""datong profiles …: customer profiles from the command line."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from datong.commands.common import console, engine, settings

profiles_app = typer.Typer(help="Customer profiles: traits, computed traits, tags.",
                           no_args_is_help=True)


@profiles_app.command("rebuild")
def profiles_rebuild(
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Recompute every profile (counters, traits, RFM scores, rule tags) from the lake and
    the events not yet mirrored, on the analytics engine."""
    from dataclasses import asdict

    from datong.engines import create_engine
    from datong.lake.mirror import sync_lake
    from datong.profiles.batch import recompute_profiles

    config = settings()
    store = engine()
    sync_lake(engine=store, lake_dir=config.lake_dir, lag=config.lake_sync_lag)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}"),
               TimeElapsedColumn())
    with create_engine(config) as analytics, Progress(
            *columns, console=console, disable=as_json) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, done, 1))  # type: ignore[arg-type]

        report = recompute_profiles(engine=store, analytics=analytics, settings=config,
                                    progress=progress)
    if as_json:
        typer.echo(orjson.dumps(asdict(report), option=orjson.OPT_INDENT_2).decode())
        return
    table = Table("", "", show_header=False)
    table.add_row("persons", f"{report.persons:,}")
    table.add_row("events", f"{report.events:,} ({report.from_lake:,} from the lake)")
    table.add_row("RFM scored", f"{report.rfm_scored:,}")
    table.add_row("seconds", f"{report.seconds:.2f}")
    console.print(table)
