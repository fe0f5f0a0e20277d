"""datong import: bulk-load a CSV or Parquet export (POS, web shop) through a column mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from datong.commands.common import console, engine, settings
from datong.ingest.importer import ImportSummary, load_mapping
from datong.ingest.importer import import_file as run_import
from datong.pipeline import event_hooks


def import_file(
    file: Annotated[Path, typer.Argument(help="the CSV or Parquet file to import")],
    source: Annotated[str, typer.Option(help="name of the source the events come from")],
    mapping: Annotated[Path, typer.Option(help="mapping TOML (see docs/import.md)")],
    rejects: Annotated[Path | None, typer.Option(
        help="CSV for rejected lines; default: <data dir>/rejects/<file>.run<N>.rejects.csv "
             "when there are any")] = None,
    chunk_size: Annotated[int, typer.Option(min=100, help="events per transaction")] = 5_000,
) -> None:
    """Import a CSV or Parquet export as events; bad lines go to a reject file.

    Importing the same file again adds nothing: messageIds are derived from its content.
    """
    config = settings()
    parsed = load_mapping(mapping, default_timezone=config.timezone)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("rows"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"importing {file.name}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = run_import(
            engine=engine(), source=source, path=file, mapping=parsed, rejects_path=rejects,
            rejects_dir=config.data_dir / "rejects", chunk_size=chunk_size, progress=advance,
            hooks=event_hooks(config),
        )
    console.print(_summary_table(summary))
    if summary.rejects_path is not None and summary.rejected:
        console.print(f"[yellow]{summary.rejected} rejected rows written to "
                      f"{summary.rejects_path}[/]", highlight=False)


def _summary_table(summary: ImportSummary) -> Table:
    table = Table(title=f"import run {summary.run_id}: {summary.file}", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    rows = [
        ("rows read", summary.rows_read), ("events built", summary.events_built),
        ("inserted", summary.inserted), ("duplicates skipped", summary.duplicates),
        ("rejected rows", summary.rejected),
    ]
    for label, value in rows:
        table.add_row(label, f"{value:,}")
    table.add_row("seconds", f"{summary.seconds:.2f}")
    table.add_row("rows/s", f"{summary.rows_per_second:,.0f}")
    return table
