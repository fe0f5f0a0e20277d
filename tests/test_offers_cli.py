"""datong coupons|reservations|referrals as an operator types them."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from tests.conftest import Cast
from tests.offers_helpers import make_persons
from tests.test_cli_admin import env, run, run_process  # noqa: F401


def _json(out: str) -> dict[str, object]:
    return dict(json.loads(out[out.index("{"):]))


def test_create_issue_show_redeem_restore(env: dict[str, str], client: TestClient,  # noqa: F811
                                          cast: Cast) -> None:
    persons = make_persons(client, cast.app_key, 3)
    code, out = run(env, "coupons", "create", "满300减50", "--amount-off", "5000",
                    "--min-spend", "30000", "--valid-days", "30", "--stock", "2",
                    "--stores", "SH01")
    assert code == 0, out
    template = _json(out)
    assert template["stock"] == 2 and template["terms"]["stores"] == ["SH01"]
    code, out = run(env, "coupons", "issue", str(template["id"]), *persons, "--key", "nov")
    assert code == 0 and "issued 2, already issued 0, refused 1" in out, out
    assert "out of stock" in out
    code, out = run(env, "coupons", "issue", str(template["id"]), *persons, "--key", "nov")
    assert "issued 0, already issued 2" in out
    code, out = run(env, "coupons", "show", "--person", persons[0])
    wallet = json.loads(out[out.index("["):])
    coupon_code = wallet[0]["code"]
    code, out = run(env, "coupons", "show", coupon_code.lower())
    assert _json(out)["status"] == "issued"
    code, out = run(env, "coupons", "redeem", coupon_code, "--order", "SH01-9",
                    "--amount", "40000", "--store", "SH01")
    assert code == 0 and "¥50.00 off, ¥350.00 to pay" in out, out
    assert coupon_code not in out
    code, out = run(env, "coupons", "redeem", coupon_code, "--order", "SH01-9",
                    "--amount", "40000", "--store", "SH01")
    assert "(replayed)" in out
    code, out = run(env, "coupons", "restore", "SH01-9")
    assert "restored 1, kept 0" in out
    code, out = run(env, "coupons", "templates")
    assert re.search(r"满300减50 +issued 2, left 0, redeemed 0", out), out
    code, out = run(env, "coupons", "expire")
    assert "expired 0 coupons" in out
    code, out = run(env, "referrals", "show", persons[1])
    assert _json(out)["code"] and _json(out)["counts"]["granted"] == 0


def test_errors_name_the_field(env: dict[str, str], cast: Cast) -> None:  # noqa: F811
    done = run_process(env, "coupons", "create", "x", "--kind", "percent_off",
                       "--valid-days", "3")
    assert done.returncode == 1 and "percent_off" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    for tier in ("3:x", "3:²"):  # "²".isdigit() is true, but it is no number
        done = run_process(env, "coupons", "create", "x", "--kind", "threshold", "--tier",
                           tier, "--valid-days", "3")
        assert done.returncode == 1 and "error (tier)" in done.stderr, done.stderr
    done = run_process(env, "coupons", "redeem", "ABCD", "--order", "o", "--amount", "1",
                       "--store", "SH01")
    assert done.returncode == 1 and "error (code)" in done.stderr
    done = run_process(env, "reservations", "no-shows")
    assert done.returncode == 0 and "marked 0 no-shows" in done.stdout
