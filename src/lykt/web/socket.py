"""WebSockets: decode frames, authenticate, map domain errors to error frames and close codes.

Visitor: ``/ws/visitor`` (here), the token comes in the first frame, never in the URL.
Staff: ``/ws/staff`` (``web/staff/``), the session cookie set by ``POST /api/staff/login``.
What both share is in ``web/wire.py``. See docs/protocol.md for every frame.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import WebSocket
from pydantic import BaseModel, ValidationError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from lykt.actions import conversations as conv_actions
from lykt.actions.context import Context
from lykt.actions.conversations import ConversationView
from lykt.actions.escrow import record_connection
from lykt.actions.live import set_typing, set_visitor_presence
from lykt.actions.messages import post_message
from lykt.errors import LyktError, NotFound
from lykt.events import Frame, ended_by
from lykt.realtime import CLOSE_UNAUTHORIZED, Connection, Hub, encode
from lykt.web import schemas
from lykt.web.deps import Services
from lykt.web.sources import source_of, take_address
from lykt.web.staff.connection import staff_socket
from lykt.web.wire import (
    CLOSE_TRY_AGAIN,
    Closed,
    FrameError,
    TokenBucket,
    close,
    error_frame,
    message_frame,
    new_connection,
    receive_json,
    serve,
    services_of,
)

log = logging.getLogger(__name__)

PING = encode({"type": "ping"})


# -- visitor ---------------------------------------------------------------------------------
async def visitor_socket(ws: WebSocket) -> None:
    services = services_of(ws)
    hub = services.hub
    await ws.accept()
    try:
        async with asyncio.timeout(services.settings.hello_timeout_s):
            data = await receive_json(ws, services.settings.max_frame_bytes)
        hello = schemas.Hello.model_validate(data) if isinstance(data, dict) else None
        if hello is None:
            raise NotFound()
    except (Closed, WebSocketDisconnect):
        return
    except (TimeoutError, FrameError, ValidationError, NotFound):
        await close(ws, CLOSE_UNAUTHORIZED, "unauthorized")
        return

    # After a restart thousands say hello at once: they are welcomed a few at a time, in
    # the order they came, each told meanwhile that the server is there (realtime.Admission).
    async def still_here() -> None:
        try:
            await ws.send_text(PING)
        except Exception as exc:
            raise Closed() from exc

    try:
        async with hub.welcomes.turn(still_here) as admitted:
            if not admitted:
                await close(ws, CLOSE_TRY_AGAIN, "busy; try again")
                return
            conn = await _welcome_visitor(ws, services, hello)
    except Closed:
        return  # it went away while waiting its turn
    if conn is None:
        return
    try:
        assert conn.conversation_id is not None
        handle = _visitor_handler(conn, services, conn.conversation_id, source_of(ws.scope))
        await serve(ws, conn, services, handle, schemas.visitor_frames)
    except (Closed, WebSocketDisconnect):
        pass
    except Exception as exc:
        log.exception("a visitor socket failed (%s); asked to come back", type(exc).__name__)
        await close(ws, CLOSE_TRY_AGAIN, "busy; try again")
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
        await close(ws, CLOSE_UNAUTHORIZED, "unauthorized")
        return None
    except Exception as exc:  # the database is away or swamped
        log.warning("could not welcome a visitor (%s); asked to come back", type(exc).__name__)
        await close(ws, CLOSE_TRY_AGAIN, "busy; try again")
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
    conn = new_connection(ws, "visitor", services, conversation_id=conversation_id)
    conn.waiting = waiting
    hub.add_visitor(conn)
    set_visitor_presence(ctx, conversation_id, True)
    try:
        await _send_visitor_welcome(ws, conn, ctx, conversation_id, hello.last_seq)
    except (Closed, WebSocketDisconnect):
        await _leave(ws, conn, hub, ctx)
        return None
    except Exception as exc:
        log.warning("could not welcome a visitor (%s); asked to come back", type(exc).__name__)
        await close(ws, CLOSE_TRY_AGAIN, "busy; try again")
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
    await close(ws, 1000)


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
                        error_frame("rate_limited", "slow down a little", client_id=client_id)
                    )
                    return
                try:
                    message, _ = await post_message(
                        ctx, conversation_id, "visitor", client_id, text
                    )
                except LyktError as exc:
                    conn.send_frame(error_frame(exc.code, exc.message, client_id=client_id))
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
