"""How fast the console's overview loads on the `medium` demo world (target: under 1 s).

    python -m bench.console_bench                       # builds the world once if missing
    python -m bench.console_bench --data-dir DIR --runs 20 --no-browser

The world is `datong demo --size medium --end 2026-11-23T18:00:00` on SQLite plus a full lake
sync, kept in DIR (default bench/results/medium-world) so that later runs reuse it (building
it takes about an hour on the shared machine). A real `datong serve` process serves it; the
marketer signs in through the login form. Two measures per range:
  - http: GET /console/ until the whole HTML is received (the figures are computed per
    request on the analytics engine: nothing is cached between requests);
  - browser: Debian's Chromium headless (Playwright) navigating to the page until the load
    event and the charts drawn (chart.js from node_modules), when Chromium is installed.
The first request after the server starts is reported apart (cold).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx

from bench.common import PYTHON, free_port, start_process, stop_process

END = "2026-11-23T18:00:00"
LAST_DAY = date(2026, 11, 23)
PASSWORD = "hemu-demo-2026"  # the demo's staff password (datong.demo.world.DEMO_PASSWORD)


def ranges(last: date) -> dict[str, dict[str, str]]:
    """The filters measured: the default 30 days, one store, the whole year."""
    month = {"since": str(last - timedelta(days=29)), "until": str(last)}
    return {"30 days": month, "30 days, store SH01": {**month, "store": "SH01"},
            "365 days": {"since": str(last - timedelta(days=364)), "until": str(last)}}

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def build_world(data_dir: Path) -> None:
    if (data_dir / "lake").exists():
        return
    print(f"building the medium demo world in {data_dir} (once; takes a while)", flush=True)
    env = {**os.environ, "DATONG_DATA_DIR": str(data_dir), "DATONG_SQLITE_SYNCHRONOUS": "NORMAL"}
    subprocess.run([PYTHON, "-m", "datong", "demo", "--size", "medium", "--end", END],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([PYTHON, "-m", "datong", "lake", "sync"], env=env, check=True)


def sign_in(client: httpx.Client) -> None:
    page = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, "no login form"
    r = client.post("/console/login", data={"username": "marketer", "password": PASSWORD,
                                            "csrf": token.group(1), "next": ""})
    assert r.status_code in (200, 303) and "datong_session" in client.cookies, r.text[:500]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": _ms(statistics.median(ordered)),
            "p95_ms": _ms(ordered[max(0, round(0.95 * len(ordered)) - 1)]),
            "max_ms": _ms(ordered[-1])}


def measure_http(url: str, runs: int, last: date) -> list[dict[str, Any]]:
    results = []
    with httpx.Client(base_url=url, timeout=60, follow_redirects=False) as client:
        sign_in(client)
        for name, params in ranges(last).items():
            times, computed = [], []
            for _ in range(runs + 1):
                started = time.perf_counter()
                page = client.get("/console/", params=params)
                times.append(time.perf_counter() - started)
                assert page.status_code == 200, page.text[:500]
                found = re.search(r"计算用时 (\d+) 毫秒", page.text)
                computed.append(int(found.group(1)) if found else -1)
            results.append({"measure": "http", "range": name, "cold_ms": _ms(times[0]),
                            **_summary(times[1:]),
                            "engine_median_ms": statistics.median(computed[1:]),
                            "active": re.search(r'id="kpi-active">([^<]*)<', page.text)
                            .group(1)})  # type: ignore[union-attr]
    return results


def measure_browser(url: str, runs: int, last: date) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(f"{url}/console/login")
        page.fill("#username", "marketer")
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url(f"{url}/console/")
        for name, params in ranges(last).items():
            query = "&".join(f"{k}={v}" for k, v in params.items())
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                page.goto(f"{url}/console/?{query}", wait_until="load")
                page.wait_for_selector("html[data-charts=drawn]")
                times.append(time.perf_counter() - started)
            results.append({"measure": "browser", "range": name, **_summary(times)})
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("bench/results/medium-world"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--last-day", type=date.fromisoformat, default=LAST_DAY,
                        help="the last day of the ranges measured (the world's last day)")
    opts = parser.parse_args()
    data_dir = opts.data_dir.resolve()
    build_world(data_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"DATONG_DATA_DIR": str(data_dir), "DATONG_LAKE_SYNC_INTERVAL": "0",
           "DATONG_ENV": "dev"}
    server = start_process([PYTHON, "-m", "datong", "serve", "--port", str(port),
                            "--log-level", "warning"], env, f"{url}/healthz",
                           data_dir / "console-bench-server.log")
    try:
        results = measure_http(url, opts.runs, opts.last_day)
        if not opts.no_browser and Path("/usr/bin/chromium").exists():
            results += measure_browser(url, opts.runs, opts.last_day)
    finally:
        stop_process(server)
    for row in results:
        print(json.dumps(row, ensure_ascii=False))
    print("\n| measure | range | cold | median | p95 | max |\n|---|---|---|---|---|---|")
    for row in results:
        print(f"| {row['measure']} | {row['range']} | {row.get('cold_ms', '–')} ms | "
              f"{row['median_ms']} ms | {row['p95_ms']} ms | {row['max_ms']} ms |")


if __name__ == "__main__":
    main()
