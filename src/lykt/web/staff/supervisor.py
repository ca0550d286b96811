"""A supervisor on the socket: read along, join, take over (each audited in the action)."""

from __future__ import annotations

from lykt.actions.supervision import (
    join_conversation,
    leave_conversation,
    require_supervisor,
    take_over_conversation,
    watch_conversation,
)
from lykt.web import schemas
from lykt.web.staff.base import Handlers, StaffSocket
from lykt.web.staff.chats import send_history


async def watch(frame: schemas.Watch, s: StaffSocket) -> None:
    conversation = await watch_conversation(s.services.ctx, s.staff, frame.conversation_id)
    if conversation.status != "ended":
        s.services.hub.follow(s.conn, conversation.id)
    mode = "host" if conversation.host_id == s.staff.id else "watching"
    if mode == "watching":
        s.watching.add(conversation.id)
    await send_history(s.services, s.conn, conversation.id, mode)


async def unwatch(frame: schemas.Unwatch, s: StaffSocket) -> None:
    require_supervisor(s.staff)
    if frame.conversation_id in s.watching:
        s.watching.discard(frame.conversation_id)
        s.services.hub.unfollow(s.conn, frame.conversation_id)


async def join(frame: schemas.Join, s: StaffSocket) -> None:
    conversation = await join_conversation(s.services.ctx, s.staff, frame.conversation_id)
    s.watching.discard(conversation.id)
    s.services.hub.follow(s.conn, conversation.id)
    mode = "host" if conversation.host_id == s.staff.id else "joined"
    await send_history(s.services, s.conn, conversation.id, mode)


async def leave(frame: schemas.Leave, s: StaffSocket) -> None:
    """Stop writing in a joined chat; the socket reads along from then on."""
    await leave_conversation(s.services.ctx, s.staff, frame.conversation_id)
    s.watching.add(frame.conversation_id)


async def takeover(frame: schemas.Takeover, s: StaffSocket) -> None:
    # The socket follows the chat and gets it whole as its new host (the hub's on_assigned);
    # the supervisor's other tabs too.
    conversation = await take_over_conversation(s.services.ctx, s.staff, frame.conversation_id)
    s.watching.discard(conversation.id)


HANDLERS: Handlers = {
    schemas.Watch: watch,
    schemas.Unwatch: unwatch,
    schemas.Join: join,
    schemas.Leave: leave,
    schemas.Takeover: takeover,
}
