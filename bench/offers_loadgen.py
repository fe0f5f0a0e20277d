"""Load generator for the offers benchmark: JSON POSTs from a file over keep-alive
connections, in its own process; answers statuses, seconds and latency percentiles.

    python -m bench.offers_loadgen PORT REQUESTS.json CONCURRENCY
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any


def _request(port: int, path: str, token: str, body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


async def _worker(port: int, queue: list[bytes], statuses: dict[int, int],
                  latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while queue:
            started = time.perf_counter()
            writer.write(queue.pop())
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def run(port: int, requests: list[bytes], concurrency: int) -> dict[str, Any]:
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    queue = list(reversed(requests))
    started = time.perf_counter()
    await asyncio.gather(*(_worker(port, queue, statuses, latencies)
                           for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "requests": len(requests), "per_s": len(requests) / seconds,
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000}


def main() -> None:
    port, path, concurrency = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    requests = [_request(port, spec["path"], spec["token"], body) for body in spec["bodies"]]
    print(json.dumps(asyncio.run(run(port, requests, concurrency))))


if __name__ == "__main__":
    main()
