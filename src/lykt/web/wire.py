"""What both sockets share: reading and checking a frame, error frames, closing, token
buckets, the stored-message wire form, and the receive loop of a registered connection."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import orjson
from fastapi import WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from lykt.events import Frame, MessagePosted
from lykt.models import Message
from lykt.realtime import Connection
from lykt.web.deps import Services

CLOSE_TOO_BIG = 1009
CLOSE_TRY_AGAIN = 1013  # the client comes back after its backoff and resumes


class Closed(Exception):
    """The peer went away, or we closed the socket."""


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TokenBucket:
    """Allows ``burst`` frames at once and ``rate_per_s`` after that."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def services_of(ws: WebSocket) -> Services:
    services: Services = ws.app.state.services
    return services


async def receive_json(ws: WebSocket, max_bytes: int) -> Any:
    """One frame from the client as JSON. Raises Closed, or FrameError for a frame that
    earns an error reply (the socket stays open)."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise Closed()
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        if len(data) > max_bytes:
            await close(ws, CLOSE_TOO_BIG, "frame too big")
            raise Closed()
        raise FrameError("bad_frame", "send JSON text frames, not binary")
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        await close(ws, CLOSE_TOO_BIG, "frame too big")
        raise Closed()
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FrameError("bad_json", "the frame is not valid JSON") from exc


def parse(adapter: Any, data: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise FrameError("bad_frame", "a frame is a JSON object with a string 'type'")
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        errors = exc.errors()
        if any(e["type"] in ("union_tag_invalid", "union_tag_not_found") for e in errors):
            raise FrameError("unknown_type", f"unknown frame type {data['type']!r}") from exc
        fields = sorted({".".join(str(p) for p in e["loc"][1:]) or "frame" for e in errors})
        raise FrameError("bad_field", f"wrong or missing field: {', '.join(fields)}") from exc


async def close(ws: WebSocket, code: int, reason: str = "") -> None:
    if ws.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await ws.close(code, reason)


def error_frame(code: str, message: str, **extra: Any) -> Frame:
    return {"type": "error", "code": code, "message": message, **extra}


def message_frame(message: Message, host_names: dict[int, str]) -> Frame:
    """A stored message in the same wire form as the live event (events.py defines it)."""
    host_name = host_names.get(message.staff_id) if message.staff_id is not None else None
    return MessagePosted(
        conversation_id=message.conversation_id,
        seq=message.seq,
        sender=message.sender,
        text=message.text,
        client_id=message.client_id,
        sent_at=message.sent_at,
        host_name=host_name,
        # Parsed only for the rare card message: an ordinary one has no card.
        card=orjson.loads(message.card) if message.card is not None else None,
    ).payload()


def new_connection(ws: WebSocket, kind: str, services: Services, **kw: Any) -> Connection:
    async def close_socket(code: int, reason: str) -> None:
        await close(ws, code, reason)

    return Connection(kind, ws.send_text, close_socket, services.settings.send_queue_size, **kw)


async def serve(
    ws: WebSocket, conn: Connection, services: Services, handle: Any, adapter: Any
) -> None:
    """Run a registered connection's receive loop (the hub pings it and sends its frames)."""
    conn.start_sending()
    max_bytes = services.settings.max_frame_bytes
    try:
        while not conn.closed:
            try:
                data = await receive_json(ws, max_bytes)
                conn.touch()
                frame = parse(adapter, data)
                await handle(frame)
            except FrameError as exc:
                conn.send_frame(error_frame(exc.code, exc.message))
    except (Closed, WebSocketDisconnect):
        pass
    finally:
        await conn.stop_sending()
