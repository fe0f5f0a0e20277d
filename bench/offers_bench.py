"""Offers: a claim storm and redemption throughput over HTTP, beside a bare baseline.

    python -m bench.offers_bench [--claims 10000] [--stock 1000] [--redeems 3000]
                                 [--concurrency 64] [--backends sqlite,postgresql]

For each backend one fresh state store holds 10,000 persons; a real `datong serve` process
and then the bare baseline (bench/bare_offers_app.py, the same tables of the same database)
take, from a separate load-generator process:
- the claim storm: `--claims` claims by distinct persons at once on a template with
  `--stock` coupons — exactly `--stock` must be issued;
- redemptions: `--redeems` distinct pre-issued coupons redeemed in store by a clerk;
  redemptions/s and latency p50/p99; the baseline is a bare conditional
  `UPDATE coupons SET status = 'redeemed' WHERE code = ? AND status = 'issued'`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from bench.common import PYTHON, FreshDatabase, free_port, start_process, stop_process
from datong.auth.tokens import create_token
from datong.identity import store as identity_store
from datong.identity.tables import identifiers
from datong.offers.access import SYSTEM
from datong.offers.context import OffersContext
from datong.offers.issuing import Issue, issue
from datong.offers.schemas import TemplateCreate
from datong.offers.tables import coupon_templates, coupons
from datong.offers.templates import create_template
from datong.settings import Settings
from datong.store.database import bulk_insert, open_store
from datong.store.types import utcnow
from datong.stores.schemas import StoreCreate
from datong.stores.service import create_store

PERSONS = 10_000


def _template(db: Any, name: str, stock: int | None) -> int:
    data = TemplateCreate(name=name, kind="amount_off", amount_off=2000, min_spend=0,
                          valid_days=30, stock=stock, per_person_limit=1)
    return int(create_template(db=db, principal=SYSTEM, data=data)["id"])


def prepare(settings: Settings, opts: argparse.Namespace) -> dict[str, Any]:
    """Persons, a store, tokens, the templates and the coupons to redeem."""
    engine = open_store(settings)
    ctx = OffersContext.build(settings)
    with engine.begin() as db:
        store = create_store(db=db, data=StoreCreate(code="SH01", name="上海静安店"))
        marketer = create_token(db=db, name="shop", role="marketer")
        clerk = create_token(db=db, name="clerk", role="clerk", store_id=store.id)
        persons = identity_store.create_persons(db, PERSONS)
        now = utcnow()
        bulk_insert(db, identifiers, ("type", "value", "person_id", "first_seen_at"),
                    [("user_id", f"bench-{p}", p, now) for p in persons])
        ids = {k: _template(db, k, s) for k, s in (
            ("storm", opts.stock), ("storm-bare", opts.stock), ("redeem", None),
            ("redeem-bare", None))}
    codes: dict[str, list[str]] = {}
    for kind in ("redeem", "redeem-bare"):
        with engine.begin() as db:
            codes[kind] = [issue(db, ctx, Issue(ids[kind], p, None, "bulk", "online", None,
                                                "system"))[0].code
                           for p in persons[:opts.redeems]]
    engine.dispose()
    return {"marketer": marketer, "clerk": clerk, "persons": persons, "templates": ids,
            "codes": codes}


def _load(port: int, workdir: Path, path: str, token: str, bodies: list[dict[str, Any]],
          concurrency: int) -> dict[str, Any]:
    spec = workdir / f"requests-{port}-{path.strip('/').replace('/', '-')}.json"
    spec.write_text(json.dumps({"path": path, "token": token, "bodies": bodies}))
    out = subprocess.run([PYTHON, "-m", "bench.offers_loadgen", str(port), str(spec),
                          str(concurrency)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stderr[-2000:]}")
    return dict(json.loads(out.stdout))


def _server(kind: str, settings: Settings, port: int, log: Path) -> Any:
    if kind == "datong":
        args = [PYTHON, "-m", "datong", "serve", "--port", str(port), "--log-level", "warning"]
        env = {"DATONG_DATA_DIR": str(settings.data_dir),
               "DATONG_DATABASE_URL": settings.database_url, "DATONG_LAKE_SYNC_INTERVAL": "0"}
        return start_process(args, env, f"http://127.0.0.1:{port}/healthz", log)
    args = [PYTHON, "-m", "uvicorn", "bench.bare_offers_app:app", "--port", str(port),
            "--log-level", "warning", "--no-access-log"]
    return start_process(args, {"BARE_DATABASE_URL": settings.sqlalchemy_url},
                         f"http://127.0.0.1:{port}/", log)


def _issued(engine: Engine, template: int) -> tuple[int, int, int]:
    """(template counter, coupon rows, most coupons held by one person)."""
    with engine.connect() as db:
        counter = db.execute(select(coupon_templates.c.issued)
                             .where(coupon_templates.c.id == template)).scalar_one()
        per_person = db.execute(select(func.count()).where(coupons.c.template_id == template)
                                .group_by(coupons.c.person_id)).scalars().all()
    return int(counter), sum(per_person), max(per_person, default=0)


def run_backend(backend: str, opts: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    database = FreshDatabase.create() if backend == "postgresql" else None
    settings = Settings(env="test", data_dir=workdir / backend, lake_sync_interval=0,
                        database_url=database.url if database else "")
    try:
        setup = prepare(settings, opts)
        results = []
        for kind in ("datong", "bare"):
            port = free_port()
            proc = _server(kind, settings, port, workdir / f"{kind}-{backend}.log")
            try:
                results += _measure(kind, backend, port, setup, opts, workdir)
            finally:
                stop_process(proc)
        engine = open_store(settings)
        for r in results:
            if r["bench"] == "claim_storm":
                counter, rows, most = _issued(engine, r["template"])
                r.update(issued_counter=counter, coupon_rows=rows, most_per_person=most,
                         exact=counter == rows == opts.stock and most == 1)
        engine.dispose()
        return results
    finally:
        if database:
            database.drop()


def _measure(kind: str, backend: str, port: int, setup: dict[str, Any],
             opts: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    suffix = "" if kind == "datong" else "-bare"
    storm = setup["templates"]["storm" + suffix]
    persons = setup["persons"][:opts.claims]
    if kind == "datong":
        claim_path, claims = "/api/v1/coupons/claim", [
            {"template_id": storm, "person": str(p)} for p in persons]
        redeem_path, redeems = "/api/v1/coupons/redeem", [
            {"code": c, "order_id": f"SH01-{i}", "order_amount": 30000, "channel": "offline",
             "store": "SH01", "idempotency_key": f"till-{i}"}
            for i, c in enumerate(setup["codes"]["redeem"])]
    else:
        claim_path, claims = "/claim", [{"template_id": storm, "person_id": p}
                                        for p in persons]
        redeem_path, redeems = "/redeem", [{"code": c} for c in setup["codes"]["redeem-bare"]]
    storm_run = _load(port, workdir, claim_path, setup["marketer"], claims, opts.concurrency)
    redeem_run = _load(port, workdir, redeem_path, setup["clerk"], redeems, opts.concurrency)
    base = {"server": kind, "backend": backend, "concurrency": opts.concurrency}
    return [
        {"bench": "claim_storm", **base, "template": storm, "claims": opts.claims,
         "stock": opts.stock, "seconds": round(storm_run["seconds"], 2),
         "claims_per_s": round(storm_run["per_s"]), "statuses": storm_run["statuses"],
         "p99_ms": round(storm_run["p99_ms"], 1)},
        {"bench": "redeem", **base, "redemptions": len(redeems),
         "seconds": round(redeem_run["seconds"], 2),
         "redeems_per_s": round(redeem_run["per_s"]), "statuses": redeem_run["statuses"],
         "p50_ms": round(redeem_run["p50_ms"], 1), "p99_ms": round(redeem_run["p99_ms"], 1)},
    ]


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--stock", type=int, default=1_000)
    parser.add_argument("--redeems", type=int, default=3_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--backends", default="sqlite,postgresql")
    opts = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="datong-bench-") as tmp:
        for backend in opts.backends.split(","):
            for result in run_backend(backend, opts, Path(tmp)):
                print(json.dumps(result), flush=True)
                results.append(result)
    _table(results)
    return results


def _table(results: list[dict[str, Any]]) -> None:
    print(f"\n{'backend':<11} {'measure':<12} {'datong':>9} {'bare':>9} {'ratio':>6} "
          f"{'datong p99':>11} {'bare p99':>9} check")
    for backend in dict.fromkeys(r["backend"] for r in results):
        for bench, unit in (("claim_storm", "claims_per_s"), ("redeem", "redeems_per_s")):
            d, b = (next(r for r in results if r["backend"] == backend and r["bench"] == bench
                         and r["server"] == s) for s in ("datong", "bare"))
            check = ("exact" if d.get("exact") and b.get("exact") else
                     "CHECK FAILED") if bench == "claim_storm" else str(d["statuses"])
            print(f"{backend:<11} {bench:<12} {d[unit]:>9} {b[unit]:>9} "
                  f"{d[unit] / b[unit]:>6.2f} {d['p99_ms']:>9} ms {b['p99_ms']:>6} ms {check}")


if __name__ == "__main__":
    main()
