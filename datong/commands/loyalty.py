"""datong loyalty …: the program, members, statements and the jobs from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from datong.commands.common import console, engine, fail, settings, transaction
from datong.errors import Invalid
from datong.loyalty import jobs, service
from datong.loyalty.enrol import Enrolment
from datong.loyalty.program import load_program, parse_toml, save_program, to_toml
from datong.loyalty.statement import statement
from datong.outbox.service import Outbox
from datong.stores.service import get_store

loyalty_app = typer.Typer(help="Membership, tiers and the points ledger.",
                          no_args_is_help=True)
program_app = typer.Typer(help="The loyalty program (TOML).", no_args_is_help=True)
loyalty_app.add_typer(program_app, name="program")

NowOption = Annotated[str | None, typer.Option(
    "--now", help="run as of this ISO time instead of now (to replay or test a schedule)")]


def _now(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"--now: {text!r} is not an ISO time", field="now") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _outbox() -> Outbox:
    from datong.pipeline import outbox
    return outbox(settings())


@program_app.command("show")
def program_show() -> None:
    """Print the program as TOML (the defaults until one is applied)."""
    with transaction() as db:
        typer.echo(to_toml(load_program(db)), nl=False)


@program_app.command("apply")
def program_apply(path: Path) -> None:
    """Replace the program with the one in a TOML file."""
    if not path.is_file():
        raise fail(f"{path}: no such file")
    program = parse_toml(path.read_text(encoding="utf-8"), where=str(path))
    with transaction() as db:
        version = save_program(db=db, program=program, actor="cli")
    console.print(f"program {program.name!r} applied (version {version}, "
                  f"{len(program.tiers)} tiers)")


@loyalty_app.command("enrol")
def enrol(
    phone: str,
    name: Annotated[str, typer.Option(help="the customer's name")] = "",
    store: Annotated[str | None, typer.Option(help="store code (enrolled in store)")] = None,
    clerk: Annotated[str | None, typer.Option(help="the clerk's username")] = None,
    referral_code: Annotated[str | None, typer.Option(help="an invitation code")] = None,
) -> None:
    """Enrol the customer with this (verified) phone; prints the member number."""
    from datong.pipeline import event_hooks

    outbox = _outbox()
    with transaction() as db:
        store_id = get_store(db=db, code=store).id if store else None
        member = service.enrol(
            db=db, settings=settings(), outbox=outbox,
            hooks=event_hooks(settings(), events=outbox),
            data=Enrolment(phone=phone, name=name, store_id=store_id, clerk=clerk,
                           referral_code=referral_code), actor="cli")
    console.print(f"enrolled {member.phone} as {member.member_no} (tier {member.tier})")
    typer.echo(member.member_no)


@loyalty_app.command("statement")
def statement_cmd(
    key: Annotated[str, typer.Argument(metavar="PHONE|MEMBER_NO")],
    limit: Annotated[int, typer.Option(help="entries to show, newest first")] = 50,
    cursor: Annotated[str | None, typer.Option(
        help="show the entries older than this one (the next cursor a page printed)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print it as JSON")] = False,
) -> None:
    """A member's points statement: balances, notes and the latest entries."""
    with transaction() as db:
        member = service.find_member(db=db, settings=settings(), key=key)
        page = statement(db=db, member=member, cursor=cursor, limit=limit)
    if as_json:
        typer.echo(orjson.dumps(page, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS,
                                 default=str).decode())
        return
    points = page["member"]["points"]
    console.print(f"[bold]{member.member_no}[/] {member.name} {member.phone} — tier "
                  f"{member.tier}, {points['spendable']} spendable, {points['held']} held, "
                  f"{points['pending']} pending, {points['debt']} owed", highlight=False)
    for note in page["notes"]:
        console.print(f"note: {note}", highlight=False)
    for lot in page["expiring"]:
        console.print(f"{lot['points']} points expire on {lot['expires_at']:%Y-%m-%d}")
    table = Table("id", "time", "account", "kind", "points", "after", "cause", "note")
    for e in page["data"]:
        table.add_row(str(e["id"]), f"{e['created_at']:%Y-%m-%d %H:%M}", e["account"],
                      e["kind"], f"{e['points']:+d}", str(e["balance_after"]),
                      f"{e['cause_type']}:{e['cause_ref']}", e["note"])
    console.print(table)
    if page["next_cursor"]:
        console.print(f"older entries: --cursor {page['next_cursor']}", highlight=False)


@loyalty_app.command("adjust")
def adjust(
    key: Annotated[str, typer.Argument(metavar="PHONE|MEMBER_NO")],
    points: Annotated[int, typer.Argument(help="positive credits, negative takes away")],
    reason: Annotated[str, typer.Option(help="why (shown on the statement)")],
    key_: Annotated[str | None, typer.Option("--idempotency-key",
                                             help="repeat-safe key (default: generated)")] = None,
) -> None:
    """An admin's correction of a member's points, with its reason."""
    import uuid

    outbox = _outbox()
    with transaction() as db:
        member = service.find_member(db=db, settings=settings(), key=key)
        answer = service.adjust_points(
            db=db, settings=settings(), outbox=outbox, member_id=member.id, points=points,
            reason=reason, idempotency_key=key_ or f"cli-{uuid.uuid4().hex}", actor="cli")
    console.print(f"{member.member_no}: {points:+d}, balance {answer['balance']}")


def _report(name: str, result: jobs.JobResult, what: str) -> None:
    console.print(f"{name}: {result.items:,} {what}, {result.points:,} points, "
                  f"{result.members:,} members")


@loyalty_app.command("expire")
def expire(now: NowOption = None) -> None:
    """Expire points past their date, oldest lots first (safe to run twice)."""
    result = jobs.run(engine(), jobs.expiry_step(_outbox(), _now(now)))
    _report("expired", result, "lots")


@loyalty_app.command("release")
def release(now: NowOption = None) -> None:
    """Make pending points spendable where the return window closed, and release holds
    that timed out (the server also does this every DATONG_LOYALTY_JOBS_INTERVAL)."""
    when = _now(now)
    _report("matured", jobs.run(engine(), jobs.mature_step(settings().tz, when)), "orders")
    _report("holds released", jobs.run(engine(), jobs.holds_step(when)), "holds")


@loyalty_app.command("tiers")
def tiers(now: NowOption = None) -> None:
    """Recalculate every member's tier on rolling spend (downgrades after the grace period)."""
    result = jobs.run(engine(), jobs.tiers_step(_outbox(), _now(now)))
    console.print(f"tiers: {result.members:,} members checked, {result.items:,} changed")


@loyalty_app.command("birthdays")
def birthdays(now: NowOption = None) -> None:
    """Credit today's birthday bonuses (per tier; once a year per member; run daily)."""
    result = jobs.run(engine(), jobs.birthdays_step(settings().tz, _outbox(), _now(now)))
    console.print(f"birthdays: {result.members:,} members, {result.points:,} points")
