"""``/ws/staff``: authenticate, welcome, then hand each frame to its handler by type (the
handler tables of ``chats``, ``shift``, ``notes``, ``supervisor`` and ``cards``)."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import WebSocket
from pydantic import BaseModel
from starlette.websockets import WebSocketDisconnect

from lykt.actions import conversations as conv_actions
from lykt.actions.hours import opening_status
from lykt.actions.sessions import TOUCH_EVERY, staff_for_session, token_hash
from lykt.actions.shift import colleagues, start_shift
from lykt.actions.supervision import is_supervisor
from lykt.errors import LyktError
from lykt.realtime import CLOSE_UNAUTHORIZED, encode, queue_frame
from lykt.store import topics as topics_store
from lykt.web import schemas
from lykt.web.deps import Services
from lykt.web.origins import from_elsewhere
from lykt.web.staff import cards, chats, notes, shift, supervisor
from lykt.web.staff.base import Handler, StaffSocket
from lykt.web.wire import Closed, close, error_frame, new_connection, serve, services_of

log = logging.getLogger(__name__)

CLOSE_FORBIDDEN_ORIGIN = 4403
TOUCH_EVERY_S = TOUCH_EVERY.total_seconds()

HANDLERS: dict[type[BaseModel], Handler] = {
    **chats.HANDLERS,
    **shift.HANDLERS,
    **notes.HANDLERS,
    **supervisor.HANDLERS,
    **cards.HANDLERS,
}


def _refs(frame: BaseModel) -> dict[str, Any]:
    """Echo the ids a client needs to match an error to what it asked."""
    refs: dict[str, Any] = {"request": getattr(frame, "type", None)}
    for key in ("conversation_id", "client_id"):
        value = getattr(frame, key, None)
        if value is not None:
            refs[key] = value
    return refs


async def staff_socket(ws: WebSocket) -> None:
    services = services_of(ws)
    ctx = services.ctx
    hub = services.hub
    # The whole origin, scheme too (web/origins.py); a browser always sends it.
    if from_elsewhere(services.settings, ws.scope):
        await ws.close(CLOSE_FORBIDDEN_ORIGIN, "origin not allowed")
        return
    session_token = ws.cookies.get(services.staff_cookie)
    staff = await staff_for_session(ctx, session_token, touch=True)
    await ws.accept()
    if staff is None:
        await close(ws, CLOSE_UNAUTHORIZED, "unauthorized")
        return

    conn = new_connection(ws, "staff", services, staff_id=staff.id)
    conn.role = staff.role
    assert session_token is not None
    conn.session_hash = token_hash(session_token)

    async def still_logged_in() -> bool:
        return await staff_for_session(ctx, session_token) is not None

    conn.revalidate = still_logged_in
    if hub.add_staff(conn, set()):
        await start_shift(ctx, hub.node, staff)
    try:
        await ws.send_text(await _welcome(services, conn, staff))
        s = StaffSocket(staff=staff, conn=conn, services=services)

        touched = time.monotonic()

        async def handle(frame: BaseModel) -> None:
            nonlocal touched
            if not isinstance(frame, schemas.Pong) and time.monotonic() - touched > TOUCH_EVERY_S:
                # The member's own doing (not a heartbeat): the idle timeout starts again.
                touched = time.monotonic()
                await staff_for_session(ctx, session_token, touch=True)
            try:
                await HANDLERS[type(frame)](frame, s)
            except LyktError as exc:
                conn.send_frame(error_frame(exc.code, exc.message, **_refs(frame)))

        await serve(ws, conn, services, handle, schemas.staff_frames)
    except (Closed, WebSocketDisconnect):
        pass
    finally:
        conn.closed = True
        if hub.remove_staff(conn):
            hub.staff_gone(staff.id)
        await close(ws, 1000)


async def _welcome(services: Services, conn: Any, staff: Any) -> str:
    """The first frame: who you are, the queue, your chats (following the live ones), the
    hours, the wrap-up topics, who is on shift; and the board for supervisors."""
    ctx = services.ctx
    hub = services.hub
    conversations = []
    for c in await conv_actions.host_conversations(ctx, staff):
        if c.status != "ended":
            hub.follow(conn, c.id)
        mode = "host" if c.host_id == staff.id else "joined"
        view = await conv_actions.staff_view(ctx, c.id, 0)
        conversations.append(chats.chat_frame(conn, view, mode, hub.visitor_online(c.id)))
    snapshot = hub.latest_queue or await conv_actions.queue_snapshot(ctx)
    async with ctx.db.read() as session:
        topics = await topics_store.names(session)
    frame: dict[str, Any] = {
        "type": "welcome",
        "staff": {"id": staff.id, "display_name": staff.display_name, "role": staff.role},
        "availability": staff.availability,
        "max_chats": staff.max_chats or ctx.rules.max_chats_per_host,
        "queue": queue_frame(snapshot)["queue"],
        "queue_total": len(snapshot.entries),
        "conversations": conversations,
        "hours": (await opening_status(ctx)).as_dict(),
        "topics": topics,
        "colleagues": [c.as_dict() for c in await colleagues(ctx) if c.status != "offline"],
        "escalate_after_minutes": ctx.rules.escalate_after_s / 60,
    }
    if is_supervisor(staff):
        hub.mark_staff_changed()  # the board follows at once
        frame["overview"] = hub.latest_overview
    return encode(frame)
