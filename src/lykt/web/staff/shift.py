"""A host's shift from the socket: on a break and back, hand a chat on, wrap it up, call the
supervisor."""

from __future__ import annotations

from lykt.actions.shift import set_availability
from lykt.actions.supervision import raise_alert
from lykt.actions.transfers import transfer_conversation
from lykt.actions.wrapups import wrap_up_conversation
from lykt.errors import RateLimited
from lykt.web import schemas
from lykt.web.staff.base import Handlers, StaffSocket


def _paced(s: StaffSocket) -> None:
    if not s.action_bucket.take():
        raise RateLimited("slow down a little")


async def availability(frame: schemas.Availability, s: StaffSocket) -> None:
    _paced(s)
    await set_availability(s.services.ctx, s.staff, frame.status)


async def transfer(frame: schemas.Transfer, s: StaffSocket) -> None:
    _paced(s)
    await transfer_conversation(
        s.services.ctx, s.staff, frame.conversation_id, frame.to_staff_id, frame.note
    )


async def wrapup(frame: schemas.Wrapup, s: StaffSocket) -> None:
    await wrap_up_conversation(
        s.services.ctx, s.staff, frame.conversation_id, list(frame.topics), frame.flag
    )


async def help_request(frame: schemas.HelpRequest, s: StaffSocket) -> None:
    _paced(s)
    await raise_alert(s.services.ctx, s.staff, frame.conversation_id, "help.requested")


async def duty_flag(frame: schemas.DutyFlag, s: StaffSocket) -> None:
    _paced(s)
    await raise_alert(s.services.ctx, s.staff, frame.conversation_id, "duty.flagged")


HANDLERS: Handlers = {
    schemas.Availability: availability,
    schemas.Transfer: transfer,
    schemas.Wrapup: wrapup,
    schemas.HelpRequest: help_request,
    schemas.DutyFlag: duty_flag,
}
