"""The Segment HTTP tracking API: POST /v1/track|identify|page|screen|group|alias|batch."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from datong.errors import Invalid
from datong.ingest.body import decode_body, write_key_from
from datong.ingest.messages import (
    MAX_BATCH_BYTES,
    MAX_MESSAGE_BYTES,
    TYPES,
    Arrival,
    Rejected,
    parse_time,
    split_messages,
)
from datong.store.types import utcnow

router = APIRouter(tags=["tracking"])


async def _read(request: Request, limit: int) -> bytes:
    """The raw body, refused early when the declared length is beyond any reasonable gzip."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit * 4:
        raise Invalid(f"the request body is larger than {limit // 1024} KB", code="too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit * 4:
            raise Invalid(f"the request body is larger than {limit // 1024} KB", code="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def _accept(request: Request, kind: str | None) -> dict[str, Any]:
    runtime = request.app.state.runtime
    limit = MAX_BATCH_BYTES if kind is None else MAX_MESSAGE_BYTES
    raw = await _read(request, limit)
    body = decode_body(raw, request.headers.get("content-encoding"), limit)
    key = write_key_from(request.headers.get("authorization"), body)
    source = runtime.write_keys.authenticate(key)
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object", code="invalid_json")
    messages, arrival = _unpack(body, kind, source)
    rows, rejected = split_messages(messages, kind, arrival, measure=kind is None)
    outcome = await runtime.writer.submit(rows, rejected)
    return {
        "success": True,
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "quarantined": outcome.quarantined,
        "errors": [
            {"messageId": r["message_id"], "code": r["reason_code"], "message": r["reason"]}
            for r in rejected
        ],
    }


def _unpack(body: dict[str, Any], kind: str | None, source: Any) -> tuple[list[Any], Arrival]:
    received_at = utcnow()
    if kind is not None:
        return [body], Arrival(source, received_at)
    batch = body.get("batch")
    if not isinstance(batch, list):
        raise Invalid("batch must be a list of messages", code="invalid_batch", field="batch")
    try:
        sent_at = parse_time(body.get("sentAt"), "sentAt")
    except Rejected as exc:
        raise Invalid(exc.reason, field="sentAt") from None
    context = body.get("context") if isinstance(body.get("context"), dict) else None
    return batch, Arrival(source, received_at, sent_at, context)


def _endpoint(kind: str | None) -> Any:
    async def receive(request: Request) -> dict[str, Any]:
        return await _accept(request, kind)

    receive.__name__ = f"receive_{kind or 'batch'}"
    return receive


for _kind in TYPES:
    router.add_api_route(f"/v1/{_kind}", _endpoint(_kind), methods=["POST"])
router.add_api_route("/v1/batch", _endpoint(None), methods=["POST"])
router.add_api_route("/v1/import", _endpoint(None), methods=["POST"])
