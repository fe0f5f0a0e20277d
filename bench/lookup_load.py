"""Load generator for profile lookups: random keys, keep-alive, latency per request.

    python -m bench.lookup_load PORT TOKEN PERSONS REQUESTS CONCURRENCY
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from urllib.parse import quote

from bench.profile_world import phone_of


def _keys(persons: int, requests: int) -> list[str]:
    rng = random.Random(7)
    out = []
    for i in range(requests):
        n = rng.randrange(persons)  # person n + 1 has phone_of(n)
        kind = i % 3
        out.append(f"phone:{phone_of(n)}" if kind == 0 else
                   f"user_id:u{n + 1:09d}" if kind == 1 else str(n + 1))
    return out


async def _worker(port: int, token: str, keys: list[str], latencies: list[float],
                  failures: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while keys:
            key = keys.pop()
            request = (f"GET /api/v1/profiles/{quote(key)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       f"Authorization: Bearer {token}\r\n\r\n").encode()
            started = time.perf_counter()
            writer.write(request)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                failures.append(status)
    finally:
        writer.close()


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def _run(port: int, token: str, keys: list[str], concurrency: int) -> dict[str, object]:
    latencies: list[float] = []
    failures: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(*(_worker(port, token, keys, latencies, failures)
                           for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)
    ms = lambda v: round(v * 1000, 2)  # noqa: E731
    return {"requests": len(ordered), "seconds": round(seconds, 2),
            "requests_per_s": round(len(ordered) / seconds), "p50_ms": ms(_percentile(ordered, .5)),
            "p90_ms": ms(_percentile(ordered, .9)), "p99_ms": ms(_percentile(ordered, .99)),
            "max_ms": ms(ordered[-1]), "non_200": len(failures)}


def main() -> None:
    port, token, persons, requests, concurrency = sys.argv[1:6]
    keys = _keys(int(persons), int(requests))
    print(json.dumps(asyncio.run(_run(int(port), token, keys, int(concurrency)))))


if __name__ == "__main__":
    main()
