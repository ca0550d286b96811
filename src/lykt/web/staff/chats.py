"""A staff member's chats: take one from the queue, write, end, catch up; and the whole chat
as a frame (``conversation.history``)."""

from __future__ import annotations

import time

from lykt.actions import conversations as conv_actions
from lykt.actions.live import set_typing
from lykt.actions.messages import post_message
from lykt.events import Frame, age_group, iso
from lykt.realtime import Connection
from lykt.web import schemas
from lykt.web.deps import Services
from lykt.web.staff.base import Handlers, StaffSocket
from lykt.web.wire import error_frame, message_frame


def chat_frame(
    conn: Connection, view: conv_actions.ConversationView, mode: str, online: bool
) -> Frame:
    """A whole chat for a staff socket; later copies of these messages are not sent again."""
    c = view.conversation
    conn.mark_replayed(c.id, view.last_seq)
    return {
        "conversation_id": c.id,
        "number": view.number,
        "age": c.age,
        "age_group": age_group(c.age),
        "about": c.about,
        "lang": c.lang,
        "status": c.status,
        "created_at": iso(c.created_at),
        "claimed_at": iso(c.claimed_at),
        "ended_at": iso(c.ended_at),
        "end_reason": c.end_reason,
        "host_id": c.host_id,
        "host_name": view.host_name,
        "mode": mode,
        "visitor_online": online,
        "last_seq": view.last_seq,
        "messages": [message_frame(m, view.host_names) for m in view.messages],
        "notes": view.notes,
        "help_requested_at": iso(c.help_requested_at),
        "duty_flagged_at": iso(c.duty_flagged_at),
        "wrapped_up": c.wrapped_up_at is not None,
        "flagged": c.flagged,
    }


async def send_history(
    services: Services, conn: Connection, conversation_id: str, mode: str, last_seq: int = 0
) -> None:
    view = await conv_actions.staff_view(services.ctx, conversation_id, last_seq)
    online = services.hub.visitor_online(conversation_id)
    conn.send_frame({"type": "conversation.history", **chat_frame(conn, view, mode, online)})


async def push_assigned(services: Services, conn: Connection, conversation_id: str) -> None:
    """A chat was handed to this socket's staff member (a transfer, a take-over)."""
    await send_history(services, conn, conversation_id, "host")


async def claim(frame: schemas.Claim, s: StaffSocket) -> None:
    conversation = await conv_actions.claim_conversation(
        s.services.ctx, s.staff, frame.conversation_id
    )
    s.services.hub.follow(s.conn, conversation.id)
    await send_history(s.services, s.conn, conversation.id, "host")


async def send_message(frame: schemas.StaffMessageSend, s: StaffSocket) -> None:
    started = time.perf_counter()
    cid = frame.conversation_id
    if not s.message_bucket.take():
        s.conn.send_frame(
            error_frame(
                "rate_limited", "slow down a little", conversation_id=cid, client_id=frame.client_id
            )
        )
        return
    # post_message itself refuses a chat this staff member neither holds nor joined.
    message, _ = await post_message(
        s.services.ctx, cid, "host", frame.client_id, frame.text, s.staff
    )
    s.conn.send_frame(
        {
            "type": "message.ack",
            "conversation_id": cid,
            "client_id": frame.client_id,
            "seq": message.seq,
        }
    )
    s.services.metrics.message_stored("host", started)


async def typing(frame: schemas.StaffTyping, s: StaffSocket) -> None:
    cid = frame.conversation_id
    if cid in s.conn.following and cid not in s.watching and s.typing_bucket.take():
        set_typing(s.services.ctx, cid, "host", frame.typing)


async def end(frame: schemas.StaffEnd, s: StaffSocket) -> None:
    conversation, _ = await conv_actions.access_conversation_for_host(
        s.services.ctx, s.staff, frame.conversation_id
    )
    await conv_actions.end_conversation(s.services.ctx, conversation.id, by="host")


async def sync(frame: schemas.Sync, s: StaffSocket) -> None:
    conversation, mode = await conv_actions.access_conversation_for_host(
        s.services.ctx, s.staff, frame.conversation_id, write=False
    )
    await send_history(s.services, s.conn, conversation.id, mode, frame.last_seq)


async def pong(frame: schemas.Pong, s: StaffSocket) -> None:
    pass


HANDLERS: Handlers = {
    schemas.Claim: claim,
    schemas.StaffMessageSend: send_message,
    schemas.StaffTyping: typing,
    schemas.StaffEnd: end,
    schemas.Sync: sync,
    schemas.Pong: pong,
}
