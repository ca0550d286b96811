"""WebSockets: decode frames, authenticate, map domain errors to error frames and close codes.

Visitor: ``/ws/visitor``, the token comes in the first frame, never in the URL.
Staff: ``/ws/staff``, the session cookie set by ``POST /api/staff/login``.
See docs/protocol.md for every frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import WebSocket
from pydantic import BaseModel, ValidationError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketState

from lykt.actions import conversations as conv_actions
from lykt.actions.context import Context
from lykt.actions.conversations import ConversationView
from lykt.actions.escrow import record_connection
from lykt.actions.hours import opening_status
from lykt.actions.live import set_typing, set_visitor_presence
from lykt.actions.messages import post_message
from lykt.actions.staff import staff_for_session
from lykt.errors import LyktError, NotFound
from lykt.events import Frame, MessagePosted, age_group, ended_by, iso
from lykt.models import Conversation, Message, Staff
from lykt.realtime import CLOSE_UNAUTHORIZED, Connection, Hub, encode, queue_frame
from lykt.web import schemas
from lykt.web.deps import STAFF_COOKIE, Services
from lykt.web.sources import source_of, take_address

log = logging.getLogger(__name__)

CLOSE_TOO_BIG = 1009
CLOSE_TRY_AGAIN = 1013  # the client comes back after its backoff and resumes
PING = encode({"type": "ping"})
CLOSE_FORBIDDEN_ORIGIN = 4403


class _Closed(Exception):
    """The peer went away, or we closed the socket."""


class _FrameError(Exception):
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


def _services(ws: WebSocket) -> Services:
    services: Services = ws.app.state.services
    return services


async def _receive_json(ws: WebSocket, max_bytes: int) -> Any:
    """One frame from the client as JSON. Raises _Closed, or _FrameError for a frame that
    earns an error reply (the socket stays open)."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise _Closed()
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        if len(data) > max_bytes:
            await _close(ws, CLOSE_TOO_BIG, "frame too big")
            raise _Closed()
        raise _FrameError("bad_frame", "send JSON text frames, not binary")
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        await _close(ws, CLOSE_TOO_BIG, "frame too big")
        raise _Closed()
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise _FrameError("bad_json", "the frame is not valid JSON") from exc


def _parse(adapter: Any, data: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise _FrameError("bad_frame", "a frame is a JSON object with a string 'type'")
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        errors = exc.errors()
        if any(e["type"] in ("union_tag_invalid", "union_tag_not_found") for e in errors):
            raise _FrameError("unknown_type", f"unknown frame type {data['type']!r}") from exc
        fields = sorted({".".join(str(p) for p in e["loc"][1:]) or "frame" for e in errors})
        raise _FrameError("bad_field", f"wrong or missing field: {', '.join(fields)}") from exc


async def _close(ws: WebSocket, code: int, reason: str = "") -> None:
    if ws.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await ws.close(code, reason)


def _error(code: str, message: str, **extra: Any) -> Frame:
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
    ).payload()


def _new_connection(ws: WebSocket, kind: str, services: Services, **kw: Any) -> Connection:
    async def close(code: int, reason: str) -> None:
        await _close(ws, code, reason)

    return Connection(kind, ws.send_text, close, services.settings.send_queue_size, **kw)


async def _serve(
    ws: WebSocket, conn: Connection, services: Services, handle: Any, adapter: Any
) -> None:
    """Run a registered connection's receive loop (the hub pings it and sends its frames)."""
    conn.start_sending()
    max_bytes = services.settings.max_frame_bytes
    try:
        while not conn.closed:
            try:
                data = await _receive_json(ws, max_bytes)
                conn.touch()
                frame = _parse(adapter, data)
                await handle(frame)
            except _FrameError as exc:
                conn.send_frame(_error(exc.code, exc.message))
    except (_Closed, WebSocketDisconnect):
        pass
    finally:
        await conn.stop_sending()


# -- visitor ---------------------------------------------------------------------------------
async def visitor_socket(ws: WebSocket) -> None:
    services = _services(ws)
    hub = services.hub
    await ws.accept()
    try:
        async with asyncio.timeout(services.settings.hello_timeout_s):
            data = await _receive_json(ws, services.settings.max_frame_bytes)
        hello = schemas.Hello.model_validate(data) if isinstance(data, dict) else None
        if hello is None:
            raise NotFound()
    except (_Closed, WebSocketDisconnect):
        return
    except (TimeoutError, _FrameError, ValidationError, NotFound):
        await _close(ws, CLOSE_UNAUTHORIZED, "unauthorized")
        return

    # After a restart thousands say hello at once: they are welcomed a few at a time, in
    # the order they came, each told meanwhile that the server is there (realtime.Admission).
    async def still_here() -> None:
        try:
            await ws.send_text(PING)
        except Exception as exc:
            raise _Closed() from exc

    try:
        async with hub.welcomes.turn(still_here) as admitted:
            if not admitted:
                await _close(ws, CLOSE_TRY_AGAIN, "busy; try again")
                return
            conn = await _welcome_visitor(ws, services, hello)
    except _Closed:
        return  # it went away while waiting its turn
    if conn is None:
        return
    try:
        assert conn.conversation_id is not None
        handle = _visitor_handler(conn, services, conn.conversation_id, source_of(ws.scope))
        await _serve(ws, conn, services, handle, schemas.visitor_frames)
    except (_Closed, WebSocketDisconnect):
        pass
    except Exception as exc:
        log.exception("a visitor socket failed (%s); asked to come back", type(exc).__name__)
        await _close(ws, CLOSE_TRY_AGAIN, "busy; try again")
    finally:
        await _leave(ws, conn, hub, services.ctx)


async def _welcome_visitor(
    ws: WebSocket, services: Services, hello: schemas.Hello
) -> Connection | None:
    """Find the conversation, seal the address, register the socket and send the welcome;
    None if the socket was closed instead."""
    ctx = services.ctx
    hub = services.hub
    try:
        conversation = await conv_actions.access_conversation_by_token(ctx, hello.token)
    except NotFound:
        # The same close whether the token is wrong, expired or never existed.
        await _close(ws, CLOSE_UNAUTHORIZED, "unauthorized")
        return None
    except Exception as exc:  # the database is away or swamped
        log.warning("could not welcome a visitor (%s); asked to come back", type(exc).__name__)
        await _close(ws, CLOSE_TRY_AGAIN, "busy; try again")
        return None
    # The escrow: the address and port this connection comes from, sealed to the operator's
    # key (or nothing at all without one), then gone from the request.
    conversation_id = conversation.id
    waiting = conversation.status == "waiting"
    del conversation  # a socket may be held for hours: keep only what it needs
    try:
        await record_connection(ctx, conversation_id, take_address(ws.scope))
    except Exception:
        log.exception("could not seal a connection's address for the escrow")
    conn = _new_connection(ws, "visitor", services, conversation_id=conversation_id)
    conn.waiting = waiting
    hub.add_visitor(conn)
    set_visitor_presence(ctx, conversation_id, True)
    try:
        await _send_visitor_welcome(ws, conn, ctx, conversation_id, hello.last_seq)
    except (_Closed, WebSocketDisconnect):
        await _leave(ws, conn, hub, ctx)
        return None
    except Exception as exc:
        log.warning("could not welcome a visitor (%s); asked to come back", type(exc).__name__)
        await _close(ws, CLOSE_TRY_AGAIN, "busy; try again")
        await _leave(ws, conn, hub, ctx)
        return None
    return conn


async def _leave(ws: WebSocket, conn: Connection, hub: Hub, ctx: Context) -> None:
    conn.closed = True
    conversation_id = conn.conversation_id
    assert conversation_id is not None
    hub.remove_visitor(conn)
    if not hub.visitor_online(conversation_id):
        set_visitor_presence(ctx, conversation_id, False)
    await _close(ws, 1000)


async def _send_visitor_welcome(
    ws: WebSocket, conn: Connection, ctx: Context, conversation_id: str, last_seq: int
) -> None:
    """The conversation as it stands and the messages after ``last_seq`` (read, sent and
    let go: nothing of it stays with the socket)."""
    view = await conv_actions.conversation_view(ctx, conversation_id, last_seq)
    conn.waiting = view.conversation.status == "waiting"
    conn.mark_replayed(conversation_id, view.last_seq)
    await ws.send_text(encode(_visitor_welcome(view)))


def _visitor_handler(
    conn: Connection, services: Services, conversation_id: str, source: str
) -> Callable[[BaseModel], Awaitable[None]]:
    ctx = services.ctx
    typing_bucket = TokenBucket(rate_per_s=5, burst=10)
    message_bucket = TokenBucket(rate_per_s=2, burst=20)

    async def handle(frame: BaseModel) -> None:
        match frame:
            case schemas.VisitorMessageSend(client_id=client_id, text=text):
                started = time.perf_counter()
                if not message_bucket.take() or not services.limits.messages.take(source):
                    conn.send_frame(
                        _error("rate_limited", "slow down a little", client_id=client_id)
                    )
                    return
                try:
                    message, _ = await post_message(
                        ctx, conversation_id, "visitor", client_id, text
                    )
                except LyktError as exc:
                    conn.send_frame(_error(exc.code, exc.message, client_id=client_id))
                    return
                conn.send_frame({"type": "message.ack", "client_id": client_id, "seq": message.seq})
                services.metrics.message_stored("visitor", started)
            case schemas.VisitorTyping(typing=typing):
                if typing_bucket.take():
                    set_typing(ctx, conversation_id, "visitor", typing)
            case schemas.VisitorEnd():
                await conv_actions.end_conversation(ctx, conversation_id, by="visitor")
            case schemas.Pong():
                pass

    return handle


def _visitor_welcome(view: ConversationView) -> Frame:
    c = view.conversation
    return {
        "type": "welcome",
        "conversation_id": c.id,
        "state": c.status,
        "host_name": view.host_name,
        "end_reason": c.end_reason,
        "ended_by": ended_by(c.end_reason),
        "last_seq": view.last_seq,
        "messages": [message_frame(m, view.host_names) for m in view.messages],
    }


# -- staff -----------------------------------------------------------------------------------
def _origin_allowed(ws: WebSocket, services: Services) -> bool:
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser; the cookie is still required
    if origin in services.settings.allowed_origins:
        return True
    return urlsplit(origin).netloc == ws.headers.get("host")


def _staff_conversation(
    conn: Connection, c: Conversation, view: ConversationView, online: bool
) -> Frame:
    """A whole chat for a staff socket; later copies of these messages are not sent again."""
    conn.mark_replayed(c.id, view.last_seq)
    return {
        "conversation_id": c.id,
        "age": c.age,
        "age_group": age_group(c.age),
        "about": c.about,
        "status": c.status,
        "created_at": iso(c.created_at),
        "claimed_at": iso(c.claimed_at),
        "visitor_online": online,
        "last_seq": view.last_seq,
        "messages": [message_frame(m, view.host_names) for m in view.messages],
    }


async def staff_socket(ws: WebSocket) -> None:
    services = _services(ws)
    ctx = services.ctx
    hub = services.hub
    if not _origin_allowed(ws, services):
        await ws.close(CLOSE_FORBIDDEN_ORIGIN, "origin not allowed")
        return
    session_token = ws.cookies.get(STAFF_COOKIE)
    staff = await staff_for_session(ctx, session_token)
    await ws.accept()
    if staff is None:
        await _close(ws, CLOSE_UNAUTHORIZED, "unauthorized")
        return

    conn = _new_connection(ws, "staff", services, staff_id=staff.id)

    async def still_logged_in() -> bool:
        return await staff_for_session(ctx, session_token) is not None

    conn.revalidate = still_logged_in
    hub.add_staff(conn, set())
    try:
        active = await conv_actions.host_conversations(ctx, staff)
        for c in active:
            hub.follow(conn, c.id)
        conversations = []
        for c in active:
            view = await conv_actions.conversation_view(ctx, c.id, 0)
            conversations.append(
                _staff_conversation(conn, view.conversation, view, hub.visitor_online(c.id))
            )
        snapshot = hub.latest_queue or await conv_actions.queue_snapshot(ctx)
        await ws.send_text(
            encode(
                {
                    "type": "welcome",
                    "staff": {
                        "id": staff.id,
                        "display_name": staff.display_name,
                        "role": staff.role,
                    },
                    "max_chats": staff.max_chats or ctx.rules.max_chats_per_host,
                    "queue": queue_frame(snapshot)["queue"],
                    "queue_total": len(snapshot.entries),
                    "conversations": conversations,
                    "hours": (await opening_status(ctx)).as_dict(),
                }
            )
        )
        typing_bucket = TokenBucket(rate_per_s=10, burst=20)
        message_bucket = TokenBucket(rate_per_s=5, burst=30)

        async def handle(frame: BaseModel) -> None:
            try:
                await _handle_staff(frame, staff, conn, services, typing_bucket, message_bucket)
            except LyktError as exc:
                conn.send_frame(_error(exc.code, exc.message, **_refs(frame)))

        await _serve(ws, conn, services, handle, schemas.staff_frames)
    except (_Closed, WebSocketDisconnect):
        pass
    finally:
        conn.closed = True
        hub.remove_staff(conn)
        await _close(ws, 1000)


def _refs(frame: BaseModel) -> dict[str, Any]:
    """Echo the ids a client needs to match an error to what it asked."""
    refs = {}
    for key in ("conversation_id", "client_id"):
        value = getattr(frame, key, None)
        if value is not None:
            refs[key] = value
    return refs


async def _handle_staff(
    frame: BaseModel,
    staff: Staff,
    conn: Connection,
    services: Services,
    typing_bucket: TokenBucket,
    message_bucket: TokenBucket,
) -> None:
    ctx = services.ctx
    hub = services.hub
    match frame:
        case schemas.StaffMessageSend(conversation_id=cid, client_id=client_id, text=text):
            started = time.perf_counter()
            if not message_bucket.take():
                conn.send_frame(_error("rate_limited", "slow down a little", **_refs(frame)))
                return
            # post_message itself refuses a conversation this host does not hold.
            message, _ = await post_message(ctx, cid, "host", client_id, text, staff)
            conn.send_frame(
                {
                    "type": "message.ack",
                    "conversation_id": cid,
                    "client_id": client_id,
                    "seq": message.seq,
                }
            )
            services.metrics.message_stored("host", started)
        case schemas.Claim(conversation_id=cid):
            conversation = await conv_actions.claim_conversation(ctx, staff, cid)
            hub.follow(conn, conversation.id)
            view = await conv_actions.conversation_view(ctx, conversation.id, 0)
            conn.send_frame(
                {
                    "type": "conversation.history",
                    **_staff_conversation(
                        conn, view.conversation, view, hub.visitor_online(conversation.id)
                    ),
                }
            )
        case schemas.StaffTyping(conversation_id=cid, typing=typing):
            if cid in conn.following and typing_bucket.take():
                set_typing(ctx, cid, "host", typing)
        case schemas.StaffEnd(conversation_id=cid):
            conversation = await conv_actions.access_conversation_for_host(ctx, staff, cid)
            await conv_actions.end_conversation(ctx, conversation.id, by="host")
        case schemas.Sync(conversation_id=cid, last_seq=last_seq):
            await conv_actions.access_conversation_for_host(ctx, staff, cid)
            view = await conv_actions.conversation_view(ctx, cid, last_seq)
            conn.send_frame(
                {
                    "type": "conversation.history",
                    **_staff_conversation(conn, view.conversation, view, hub.visitor_online(cid)),
                }
            )
        case schemas.Pong():
            pass


SOCKETS: dict[str, Callable[[WebSocket], Awaitable[None]]] = {
    "/ws/visitor": visitor_socket,
    "/ws/staff": staff_socket,
}


async def socket_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI app for every WebSocket (see ``app.Lykt``): straight to its handler."""
    handler = SOCKETS.get(scope["path"])
    if handler is None:
        await send({"type": "websocket.close", "code": 1000, "reason": ""})
        return
    await handler(WebSocket(scope, receive, send))
