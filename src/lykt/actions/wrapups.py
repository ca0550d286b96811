"""Wrap-up: after a chat ends, its host ticks the topics it was about (counted per week, one
dimension, never a row per conversation) and may ask a supervisor to look at it."""

from __future__ import annotations

from lykt.actions.context import Context
from lykt.actions.hours import current_schedule
from lykt.actions.statistics import iso_week
from lykt.errors import Conflict, Invalid, NotFound
from lykt.events import ConversationWrappedUp, StaffChanged
from lykt.models import Staff, storable
from lykt.store import conversations as conversations_store
from lykt.store import statistics as statistics_store
from lykt.store import topics as topics_store

MAX_TOPICS = 20


async def wrap_up_conversation(
    ctx: Context, host: Staff, conversation_id: str, topics: list[str], flag: bool
) -> None:
    """Once per conversation, by the host who held it when it ended."""
    if len(topics) > MAX_TOPICS:
        raise Invalid("too many topics")
    now = ctx.clock.now()
    tz = (await current_schedule(ctx)).tz
    async with ctx.transaction() as tx:
        conversation = None
        if storable(conversation_id):
            conversation = await conversations_store.get(tx.session, conversation_id, lock=True)
        if conversation is None or conversation.host_id != host.id:
            raise NotFound("no such conversation among yours")
        if conversation.status != "ended":
            raise Conflict("end the conversation before the wrap-up")
        if conversation.wrapped_up_at is not None:
            raise Conflict("this conversation is already wrapped up")
        known = set(await topics_store.names(tx.session))
        chosen = sorted(set(topics))
        unknown = [t for t in chosen if t not in known]
        if unknown:
            raise Invalid(f"unknown topic: {unknown[0]}")
        if chosen:
            week = iso_week(conversation.created_at.astimezone(tz))
            await statistics_store.add(tx.session, week, [("topic", t) for t in chosen])
        await conversations_store.set_mark(
            tx.session, conversation.id, wrapped_up_at=now, flagged=flag
        )
        tx.publish_on_commit(
            ConversationWrappedUp(conversation_id=conversation.id, host_id=host.id, flagged=flag)
        )
        if flag:
            tx.publish_on_commit(StaffChanged())
