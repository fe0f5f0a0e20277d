"""A lean HTTP/1.1 load generator: pre-built request bytes over keep-alive connections.

It runs in its own process so that its CPU is not the server's; it only writes bytes and
reads status lines, so nearly all of its time is waiting.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
# A shop's active users in the window, each on their own device: after the first round
# every event comes from a known person, as in a live stream.
USERS = 5000


def _at(n: int) -> str:
    """Event times a few milliseconds apart, in send order, as a live stream has them."""
    return (START + timedelta(milliseconds=5 * n)).isoformat().replace("+00:00", "Z")


def build_requests(port: int, write_key: str, batches: int, size: int, seed: str) -> list[bytes]:
    """`batches` distinct /v1/batch requests of `size` Segment track messages each."""
    auth = base64.b64encode(f"{write_key}:".encode()).decode()
    out = []
    for b in range(batches):
        batch = [
            {
                "type": "track",
                "messageId": f"{seed}-{b}-{i}",
                "userId": f"user-{(b * size + i) % USERS}",
                "anonymousId": f"device-{(b * size + i) % USERS}",
                "event": "Product Viewed",
                "timestamp": _at(b * size + i),
                "properties": {
                    "product_id": f"sku-{i % 500}",
                    "price": 12900,
                    "currency": "CNY",
                    "category": "外套",
                    "name": "羊毛大衣",
                },
                "context": {"library": {"name": "bench", "version": "1"}, "ip": "127.0.0.1"},
            }
            for i in range(size)
        ]
        body = json.dumps({"batch": batch, "sentAt": _at(b * size + size)}).encode()
        head = (
            f"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Basic {auth}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        out.append(head + body)
    return out


async def _worker(port: int, queue: deque[bytes], stats: dict[str, int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while queue:
            writer.write(queue.popleft())  # in send order, as a live stream
            await writer.drain()
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            key = "ok" if status == 200 else f"status_{status}"
            stats[key] = stats.get(key, 0) + 1
    finally:
        writer.close()


async def _run(port: int, requests: list[bytes], concurrency: int) -> dict[str, Any]:
    stats: dict[str, int] = {}
    started = time.perf_counter()
    queue = deque(requests)
    await asyncio.gather(*(_worker(port, queue, stats) for _ in range(concurrency)))
    return {"seconds": time.perf_counter() - started, **stats}


def main() -> None:
    port, write_key, batches, size, concurrency = sys.argv[1:6]
    requests = build_requests(int(port), write_key, int(batches), int(size), uuid.uuid4().hex[:8])
    result = asyncio.run(_run(int(port), requests, int(concurrency)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
