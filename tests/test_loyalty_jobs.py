"""The jobs and the CLI: FIFO expiry across lots (idempotent), pending points maturing,
tier downgrades after the grace period, the program as TOML, statements by phone or number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from datong.loyalty import jobs
from datong.loyalty.program import Program, parse_toml, to_toml
from datong.loyalty.tables import lots
from datong.outbox.service import Outbox, list_events
from datong.settings import Settings
from tests.conftest import Cast, auth
from tests.loyalty_helpers import check_books, enrol, order, set_program, track
from tests.test_cli_admin import run, run_process

PHONE = "13812345678"


@pytest.fixture
def env(settings: Settings, engine: Engine) -> dict[str, str]:
    return {"DATONG_DATA_DIR": str(settings.data_dir),
            "DATONG_DATABASE_URL": settings.database_url, "DATONG_ENV": "test"}


def _points(client: TestClient, cast: Cast, member: object) -> dict[str, int]:
    r = client.get(f"/api/v1/members/{member}", headers=auth(cast.admin_token))
    return dict(r.json()["points"])


def test_expiry_takes_the_oldest_lots_first_and_runs_twice_safely(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    set_program(client, cast.admin_token, expiry={"mode": "month_end", "months": 12})
    member = enrol(client, cast.admin_token, PHONE)
    # lots earned in January, March and June 2025: they expire at the ends of Jan/Mar/Jun 2026
    track(client, cast.app_key,
          order("O-JAN", 10_000, phone=PHONE, when="2025-01-15T12:00:00+08:00"),
          order("O-MAR", 20_000, phone=PHONE, when="2025-03-10T12:00:00+08:00"),
          order("O-JUN", 40_000, phone=PHONE, when="2025-06-20T12:00:00+08:00"))
    assert _points(client, cast, member["id"])["balance"] == 700
    # spending 150 takes all of January's lot and 50 of March's
    r = client.post(f"/api/v1/members/{member['id']}/points/redeem",
                    headers=auth(cast.admin_token),
                    json={"points": 150, "idempotency_key": "k", "order_ref": "X"})
    assert r.status_code == 200
    with engine.connect() as db:
        left = sorted((r.expires_at, r.remaining) for r in db.execute(select(lots)))
    assert [x[1] for x in left] == [0, 150, 400]
    april = datetime(2026, 4, 15, tzinfo=UTC)
    first = jobs.run(engine, jobs.expiry_step(Outbox(), april))
    assert (first.points, first.items) == (150, 1)  # March's remainder; January was spent
    again = jobs.run(engine, jobs.expiry_step(Outbox(), april))
    assert again.points == 0
    assert _points(client, cast, member["id"])["balance"] == 400
    july = datetime(2026, 7, 1, tzinfo=UTC)
    assert jobs.run(engine, jobs.expiry_step(Outbox(), july)).points == 400
    with engine.connect() as db:
        expired = list_events(db=db, name="Points Expired")
    assert [e.properties["points"] for e in expired] == [150, 400]
    check_books(engine)


def test_expiry_dates_follow_the_program(settings: Settings) -> None:
    program = Program()
    tz = settings.tz
    earned = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)  # already 1 April in Shanghai
    month_end = program.expires_at(earned, tz)
    assert month_end == datetime(2027, 5, 1, tzinfo=tz)
    by_days = Program.model_validate({"expiry": {"mode": "days", "days": 30}})
    assert by_days.expires_at(earned, tz) == earned + timedelta(days=30)
    assert Program.model_validate({"expiry": {"mode": "never"}}).expires_at(earned, tz) is None


def test_pending_points_mature_when_the_window_closes(client: TestClient, cast: Cast,
                                                      engine: Engine,
                                                      settings: Settings) -> None:
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("O-1", 10_000, phone=PHONE,
                                      when=datetime.now(UTC).isoformat()))
    assert _points(client, cast, member["id"])["pending"] == 100
    early = jobs.run(engine, jobs.mature_step(settings.tz))
    assert early.items == 0
    later = datetime.now(UTC) + timedelta(days=8)
    assert jobs.run(engine, jobs.mature_step(settings.tz, later)).points == 100
    assert jobs.run(engine, jobs.mature_step(settings.tz, later)).points == 0
    points = _points(client, cast, member["id"])
    assert (points["pending"], points["balance"]) == (0, 100)
    check_books(engine)


def test_downgrade_waits_for_the_grace_period(client: TestClient, cast: Cast,
                                              engine: Engine) -> None:
    set_program(client, cast.admin_token, downgrade_grace_days=30)
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("O-1", 250_000, phone=PHONE,
                                      when=(datetime.now(UTC) - timedelta(days=300)).isoformat()))
    assert client.get(f"/api/v1/members/{member['id']}",
                      headers=auth(cast.admin_token)).json()["tier"] == "silver"
    in_100_days = datetime.now(UTC) + timedelta(days=100)  # the order left the 12 months
    jobs.run(engine, jobs.tiers_step(Outbox(), in_100_days))
    got = client.get(f"/api/v1/members/{member['id']}", headers=auth(cast.admin_token)).json()
    assert got["tier"] == "silver" and got["downgrade_at"] is not None
    jobs.run(engine, jobs.tiers_step(Outbox(), in_100_days + timedelta(days=31)))
    got = client.get(f"/api/v1/members/{member['id']}", headers=auth(cast.admin_token)).json()
    assert got["tier"] == "regular"
    with engine.connect() as db:
        changes = [e.properties["direction"] for e in list_events(db=db, name="Tier Changed")]
    assert changes == ["up", "down"]


def test_program_toml_round_trips_and_bad_input_names_the_field(
        client: TestClient, cast: Cast, tmp_path: Path, env: dict[str, str]) -> None:
    program = Program()
    assert parse_toml(to_toml(program)) == program
    path = tmp_path / "program.toml"
    path.write_text(to_toml(program).replace("return_window_days = 7",
                                             "return_window_days = 0"))
    code, out = run(env, "loyalty", "program", "apply", str(path))
    assert code == 0, out
    code, out = run(env, "loyalty", "program", "show")
    assert "return_window_days = 0" in out and 'name = "黑金"' in out
    path.write_text('[[tiers]]\ncode = "regular"\nname = "普通"\nthreshold = 100\n')
    done = run_process(env, "loyalty", "program", "apply", str(path))
    assert done.returncode == 1 and "tiers" in done.stderr and "threshold 0" in done.stderr
    assert "Traceback" not in done.stderr
    r = client.put("/api/v1/loyalty/program", headers={**auth(cast.admin_token),
                                                        "Content-Type": "application/toml"},
                   content='points_per_yuan = "lots"')
    assert r.status_code == 400 and r.json()["error"]["field"] == "points_per_yuan"
    r = client.put("/api/v1/loyalty/program", headers=auth(cast.marketer_token), json={})
    assert r.status_code == 403


def test_cli_enrol_statement_expire(client: TestClient, cast: Cast, engine: Engine,
                                    env: dict[str, str]) -> None:
    code, out = run(env, "loyalty", "enrol", PHONE, "--name", "李雷", "--store", "SH01")
    assert code == 0, out
    member_no = out.strip().splitlines()[-1]
    track(client, cast.pos_key, order("SH01-1", 12_300, phone=PHONE, store="SH01"))
    for key in (PHONE, member_no):
        code, out = run(env, "loyalty", "statement", key)
        assert code == 0 and member_no in out and "123 spendable" in out, out
    code, out = run(env, "loyalty", "adjust", "--reason", "goodwill fix", member_no,
                    "--", "-23")
    assert code == 0 and "balance 100" in out, out
    code, out = run(env, "loyalty", "statement", member_no, "--json")
    assert '"kind": "adjust"' in out
    code, out = run(env, "loyalty", "expire", "--now", "2099-01-01T00:00:00")
    assert code == 0 and "100 points" in out, out
    assert run(env, "loyalty", "release")[0] == 0
    assert run(env, "loyalty", "tiers")[0] == 0
    done = run_process(env, "loyalty", "statement", "M000000000")
    assert done.returncode == 1 and "no member" in done.stderr
    done = run_process(env, "loyalty", "enrol", PHONE)
    assert done.returncode == 1 and member_no in done.stderr
    check_books(engine)
