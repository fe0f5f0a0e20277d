"""datong lake sync|status: the Parquet mirror of the event log."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from datong.commands.common import console, engine, settings

lake_app = typer.Typer(help="The Parquet mirror of the event log.", no_args_is_help=True)


@lake_app.command("sync")
def lake_sync(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="delete and re-create the mirror from the state store")
    ] = False,
) -> None:
    """Mirror the events not yet in the lake (those older than DATONG_LAKE_SYNC_LAG seconds)."""
    from datong.lake.mirror import rebuild_lake, sync_lake

    config = settings()
    run = rebuild_lake if rebuild else sync_lake
    result = run(engine=engine(), lake_dir=config.lake_dir, lag=config.lake_sync_lag)
    rate = result.rows / result.seconds if result.seconds else 0.0
    verb = "rebuilt the lake with" if result.rebuilt else "synced"
    console.print(
        f"{verb} {result.rows:,} events into {result.files:,} files in {result.seconds:.2f}s "
        f"({rate:,.0f} events/s); the lake holds events up to id {result.last_id}"
    )
    if result.recovered:
        console.print(f"repaired {result.recovered} files left by an interrupted sync")


@lake_app.command("status")
def lake_status_command(
    as_json: Annotated[bool, typer.Option("--json", help="print the status as JSON")] = False,
) -> None:
    """Show the lake's files, rows, date partitions and last sync."""
    from datong.lake.status import lake_status

    status = lake_status(settings().lake_dir)
    if as_json:
        typer.echo(orjson.dumps(status, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table("", "", show_header=False)
    for label, value in _status_rows(status):
        table.add_row(label, value)
    console.print(table)


def _status_rows(status: dict[str, Any]) -> list[tuple[str, str]]:
    if not status["ok"]:
        return [("path", status["path"]), ("error", status["error"])]
    last = status["last_sync"] or {}
    dates = f"{status['first_date']} … {status['last_date']}" if status["partitions"] else "-"
    return [
        ("path", status["path"]),
        ("events", f"{status['rows']:,}"),
        ("files", f"{status['files']:,}"),
        ("date partitions", f"{status['partitions']:,}  ({dates})"),
        ("last event id", str(status["last_id"])),
        ("last sync", f"{last['finished_at']}: {last['rows']:,} events in {last['seconds']}s"
         if last else "never"),
    ]
