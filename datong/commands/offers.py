"""datong coupons|reservations|referrals: the offers services from the command line, acting
as the operator (an admin)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from datong.bounds import is_ascii_digits
from datong.commands.common import console, settings, transaction
from datong.errors import Invalid
from datong.offers import coupons, issuing, redemption, referral, reservations, templates
from datong.offers.access import SYSTEM
from datong.offers.codes import mask
from datong.offers.context import OffersContext
from datong.offers.expiry import expire_coupons
from datong.offers.people import resolve
from datong.offers.restore import restore
from datong.offers.schemas import TemplateCreate
from datong.pipeline import outbox

coupons_app = typer.Typer(help="Coupon templates, issuing and redemption.", no_args_is_help=True)
reservations_app = typer.Typer(help="In-store experiences and bookings.", no_args_is_help=True)
referrals_app = typer.Typer(help="Share codes and referrals.", no_args_is_help=True)


def _ctx() -> OffersContext:
    return OffersContext.build(settings(), outbox(settings()))


def _print(data: Any) -> None:
    console.print_json(json.dumps(data, default=str, ensure_ascii=False))


def _template_data(name: str, options: dict[str, Any], file: Path | None) -> TemplateCreate:
    body: dict[str, Any] = {}
    if file is not None:
        try:
            body = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise Invalid(f"{file}: {exc}", field="file") from None
    body.update({k: v for k, v in options.items() if v not in (None, [], ())})
    body["name"] = name
    try:
        return TemplateCreate.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "template"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise Invalid(f"{where}: {message}", field=where) from None


def _tiers(values: list[str]) -> list[dict[str, int]]:
    out = []
    for value in values:
        spend, sep, off = value.partition(":")
        if not sep or not is_ascii_digits(spend) or not is_ascii_digits(off):
            raise Invalid(f"--tier is SPEND:OFF in fen, e.g. 30000:5000, not {value!r}",
                          field="tier")
        out.append({"spend": int(spend), "off": int(off)})
    return out


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


@coupons_app.command("create")
def coupons_create(
    name: str,
    kind: Annotated[str, typer.Option(
        help="amount_off, percent_off, threshold, free_gift or points_exchange")] = "amount_off",
    amount_off: Annotated[int | None, typer.Option(help="fen off")] = None,
    percent_off: Annotated[int | None, typer.Option(help="whole percent off")] = None,
    max_discount: Annotated[int | None, typer.Option(help="cap in fen (percent_off)")] = None,
    tier: Annotated[list[str] | None, typer.Option(
        help="threshold tier SPEND:OFF in fen; repeat for more")] = None,
    gift: Annotated[str | None, typer.Option(help="the free gift")] = None,
    min_spend: Annotated[int, typer.Option(help="fen needed to redeem")] = 0,
    valid_days: Annotated[int | None, typer.Option(help="days valid after claim")] = None,
    valid_from: Annotated[str | None, typer.Option(help="ISO time with offset")] = None,
    valid_until: Annotated[str | None, typer.Option(help="ISO time with offset")] = None,
    channels: Annotated[str, typer.Option(help="online, offline or both")] = "both",
    stores: Annotated[str | None, typer.Option(help="store codes, comma-separated")] = None,
    stacks: Annotated[bool, typer.Option(help="may combine with other coupons")] = False,
    tiers: Annotated[str | None, typer.Option(help="member tiers that may claim")] = None,
    points_cost: Annotated[int | None, typer.Option(help="points it costs")] = None,
    restore_on_refund: Annotated[bool, typer.Option(help="refund gives it back")] = True,
    stock: Annotated[int | None, typer.Option(help="total to issue")] = None,
    limit: Annotated[int, typer.Option(help="coupons per person")] = 1,
    file: Annotated[Path | None, typer.Option(help="JSON file of terms")] = None,
) -> None:
    """Create a coupon template; prints it (its id is the first field)."""
    data = _template_data(name, {
        "kind": kind, "amount_off": amount_off, "percent_off": percent_off,
        "max_discount": max_discount, "tiers": _tiers(tier or []), "gift": gift,
        "min_spend": min_spend, "valid_days": valid_days, "valid_from": valid_from,
        "valid_until": valid_until, "channels": channels, "stores": _split(stores),
        "stacks": stacks, "eligible_tiers": _split(tiers), "points_cost": points_cost,
        "restore_on_refund": restore_on_refund, "stock": stock, "per_person_limit": limit,
    }, file)
    with transaction() as db:
        _print(templates.create_template(db=db, principal=SYSTEM, data=data))


@coupons_app.command("templates")
def coupons_templates(status: Annotated[str | None, typer.Option()] = None) -> None:
    """List templates with stock and counts."""
    with transaction() as db:
        for t in templates.list_templates(db=db, status=status):
            left = "∞" if t["remaining"] is None else t["remaining"]
            console.print(f"{t['id']:>4}  v{t['version']}  {t['status']:<7} {t['name']}  "
                          f"issued {t['issued']}, left {left}, redeemed "
                          f"{t['coupons']['redeemed']}", highlight=False)


@coupons_app.command("issue")
def coupons_issue(
    template_id: int,
    persons: Annotated[list[str] | None, typer.Argument(
        help="person ids or identifiers, e.g. phone:13812345678")] = None,
    file: Annotated[Path | None, typer.Option(help="a file of persons, one per line")] = None,
    key: Annotated[str | None, typer.Option(help="idempotency key of this run")] = None,
) -> None:
    """Issue a coupon to each person (a refusal for one is reported; the rest go on)."""
    wanted = list(persons or [])
    if file is not None:
        wanted += [line.strip() for line in file.read_text().splitlines() if line.strip()]
    if not wanted:
        raise Invalid("name at least one person, or --file", field="persons")
    with transaction() as db:
        out = issuing.issue_bulk(db=db, ctx=_ctx(), principal=SYSTEM, template_id=template_id,
                                 persons=wanted, idempotency_key=key)
    console.print(f"issued {len(out['issued'])}, already issued {len(out['already_issued'])}"
                  f", refused {len(out['refused'])}", highlight=False)
    for r in out["refused"]:
        console.print(f"  {r['person']}: {r['message']}", highlight=False)


@coupons_app.command("redeem")
def coupons_redeem(
    code: str,
    order: Annotated[str, typer.Option(help="order id")],
    amount: Annotated[int, typer.Option(help="order amount before the coupon, fen")],
    store: Annotated[str | None, typer.Option(help="store code (in store)")] = None,
    online: Annotated[bool, typer.Option(help="redeem online instead of in store")] = False,
    key: Annotated[str | None, typer.Option(help="idempotency key")] = None,
) -> None:
    """Redeem a coupon on an order (a replay of the same key answers the first answer)."""
    channel = "online" if online else "offline"
    with transaction() as db:
        out = redemption.redeem(db=db, ctx=_ctx(), principal=SYSTEM, code=code, order_id=order,
                                order_amount=amount, channel=channel,
                                store=None if online else store,
                                idempotency_key=key or f"cli:{order}:{code}")
    console.print(f"redeemed {out['code']} on {order}: ¥{out['discount'] / 100:.2f} off, "
                  f"¥{out['payable'] / 100:.2f} to pay"
                  + (" (replayed)" if out["replayed"] else ""), highlight=False)


@coupons_app.command("show")
def coupons_show(
    code: Annotated[str | None, typer.Argument(help="a coupon code")] = None,
    template: Annotated[int | None, typer.Option(help="a template id")] = None,
    person: Annotated[str | None, typer.Option(help="a person's coupons")] = None,
) -> None:
    """Show a coupon (by code), a template, or a person's coupons."""
    ctx = _ctx()
    with transaction() as db:
        if template is not None:
            _print(templates.get_template(db=db, template_id=template))
        elif person is not None:
            person_id, _ = resolve(db=db, rules=ctx.rules, person=person)
            _print(coupons.person_coupons(db=db, ctx=ctx, person_id=person_id))
        elif code is not None:
            text = redemption.read_code(ctx, code=code, qr=None)
            _print(coupons.view(db, ctx, coupons.coupon_row(db, code=text)))
        else:
            raise Invalid("give a coupon code, --template or --person", field="code")


@coupons_app.command("restore")
def coupons_restore(order: str, reason: str = "refund") -> None:
    """Give back the coupons of a refunded order (never twice)."""
    with transaction() as db:
        out = restore(db=db, ctx=_ctx(), principal=SYSTEM, order_id=order, reason=reason)
    console.print(f"restored {len(out['restored'])}, kept {len(out['kept'])}", highlight=False)
    for k in out["kept"]:
        console.print(f"  {k['code']}: {k['reason']}", highlight=False)


@coupons_app.command("expire")
def coupons_expire() -> None:
    """Expire coupons past their validity (safe to run again; for a daily cron)."""
    with transaction() as db:
        done = expire_coupons(db=db, ctx=_ctx())
    console.print(f"expired {done} coupons")


@reservations_app.command("slots")
def reservations_slots(store: Annotated[str | None, typer.Option()] = None) -> None:
    """Slots not yet started, with free seats."""
    with transaction() as db:
        for s in reservations.list_slots(db=db, store=store):
            console.print(f"{s['id']:>5}  {s['store']}  {s['starts_at']:%Y-%m-%d %H:%M}  "
                          f"experience {s['experience_id']}  {s['booked']}/{s['capacity']}",
                          highlight=False)


@reservations_app.command("check-in")
def reservations_check_in(code: str, store: Annotated[str, typer.Option()]) -> None:
    """Check a booking in at its store."""
    with transaction() as db:
        out = reservations.check_in(db=db, ctx=_ctx(), principal=SYSTEM, store=store,
                                    code=code)
    console.print(f"checked in {mask(out['code'])}: {out['experience']} at {out['store']}"
                  + (f", coupon {out['coupon_id']}" if out["coupon_id"] else ""),
                  highlight=False)


@reservations_app.command("no-shows")
def reservations_no_shows() -> None:
    """Mark bookings whose slot is over as no-shows (safe to run again)."""
    with transaction() as db:
        console.print(f"marked {reservations.mark_no_shows(db=db)} no-shows")


@referrals_app.command("show")
def referrals_show(person: str) -> None:
    """A person's share code and link, and their referrals."""
    ctx = _ctx()
    with transaction() as db:
        code = referral.share_code(db=db, ctx=ctx, principal=SYSTEM, person=person)
        _print(referral.inviter_referrals(db=db, ctx=ctx, person_id=code["person_id"]))
