"""datong serve and datong db: run the server, migrate the state store."""

from __future__ import annotations

import gc
from typing import Annotated

import typer

from datong.commands.common import console, engine, settings
from datong.store.migrate import current_revisions

db_app = typer.Typer(help="The state store.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the API, the tracking endpoints and the console."""
    import uvicorn

    from datong.app import create_app

    app = create_app(settings())
    _tune_gc()
    console.print(f"datong on http://{host}:{port}  (data in {settings().data_dir})")
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


def _tune_gc() -> None:
    """Ingest parses thousands of small objects a second; with the default thresholds the
    cyclic collector keeps walking the whole (mostly start-up) heap and halves throughput.
    Start-up objects are frozen out of collection and young generations collected less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the state store to the newest schema."""
    console.print(f"state store at revision {', '.join(sorted(current_revisions(engine())))}")
