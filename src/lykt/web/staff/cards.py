"""Information cards from a staff socket: a host sends one into a chat."""

from __future__ import annotations

import time

from lykt.actions.cards import send_card
from lykt.web import schemas
from lykt.web.staff.base import Handlers, StaffSocket
from lykt.web.wire import error_frame


async def send(frame: schemas.CardSend, s: StaffSocket) -> None:
    """Posted as a message from the host (the same budget as writing one), acked like
    ``message.send``; a resend with the same ``client_id`` is acked with the original seq."""
    started = time.perf_counter()
    cid = frame.conversation_id
    if not s.message_bucket.take():
        s.conn.send_frame(
            error_frame(
                "rate_limited",
                "slow down a little",
                conversation_id=cid,
                client_id=frame.client_id,
                request=frame.type,
            )
        )
        return
    message, _ = await send_card(s.services.ctx, s.staff, cid, frame.slug, frame.client_id)
    s.conn.send_frame(
        {
            "type": "message.ack",
            "conversation_id": cid,
            "client_id": frame.client_id,
            "seq": message.seq,
        }
    )
    s.services.metrics.message_stored("host", started)


HANDLERS: Handlers = {schemas.CardSend: send}
