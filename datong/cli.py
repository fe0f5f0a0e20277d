"""The datong command line: a thin layer over the services."""

from __future__ import annotations

import sys

import typer

from datong import __version__
from datong.commands import (
    admin,
    common,
    demo,
    identity,
    imports,
    lake,
    loyalty,
    offers,
    profiles,
    server,
)
from datong.commands.common import errors
from datong.errors import DatongError

app = typer.Typer(
    name="datong", help="datong (打通): omnichannel customer data, loyalty and marketing.",
    no_args_is_help=True, pretty_exceptions_enable=False,
)
app.add_typer(admin.sources_app, name="sources")
app.add_typer(admin.tokens_app, name="tokens")
app.add_typer(admin.stores_app, name="stores")
app.add_typer(admin.staff_app, name="staff")
app.add_typer(server.db_app, name="db")
app.add_typer(lake.lake_app, name="lake")
app.add_typer(identity.identity_app, name="identity")
app.add_typer(profiles.profiles_app, name="profiles")
app.add_typer(loyalty.loyalty_app, name="loyalty")
app.add_typer(offers.coupons_app, name="coupons")
app.add_typer(offers.reservations_app, name="reservations")
app.add_typer(offers.referrals_app, name="referrals")
app.command("serve")(server.serve)
app.command("demo")(demo.demo)
app.command("import")(imports.import_file)


@app.callback()
def _root() -> None:
    """datong (打通): omnichannel customer data, loyalty and marketing."""
    common.start_invocation()


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    try:
        app(standalone_mode=True)
    except DatongError as exc:
        where = f" ({exc.field})" if exc.field else ""
        errors.print(f"[bold red]error{where}:[/] {exc.message}", highlight=False)
        sys.exit(1)
