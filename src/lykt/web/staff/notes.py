"""Internal notes from a staff socket."""

from __future__ import annotations

from lykt.actions.notes import add_note
from lykt.web import schemas
from lykt.web.staff.base import Handlers, StaffSocket
from lykt.web.wire import error_frame


async def add(frame: schemas.NoteAdd, s: StaffSocket) -> None:
    if not s.action_bucket.take():
        s.conn.send_frame(
            error_frame(
                "rate_limited",
                "slow down a little",
                conversation_id=frame.conversation_id,
                request=frame.type,
            )
        )
        return
    await add_note(s.services.ctx, s.staff, frame.conversation_id, frame.text)


HANDLERS: Handlers = {schemas.NoteAdd: add}
