"""Wrap-up topics: the list a host ticks from after a conversation (counted per week in the
statistics, never per conversation). The operator keeps the list with the CLI."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from lykt.actions.audit import record
from lykt.actions.context import Context
from lykt.errors import Conflict, Invalid, NotFound
from lykt.models import storable
from lykt.store import topics as topics_store

MAX_TOPIC_CHARS = 60


async def list_topics(ctx: Context) -> list[str]:
    """The topics, in the order the wrap-up shows them."""
    async with ctx.db.read() as session:
        return await topics_store.names(session)


async def add_topic(ctx: Context, name: str, *, actor: str = "operator") -> str:
    """Add a topic at the end of the list; the name as stored (without surrounding spaces).
    ``Conflict`` if there is one by that name already (in any case: "Mobbing", "mobbing")."""
    name = name.strip()
    if not name or len(name) > MAX_TOPIC_CHARS or not storable(name):
        raise Invalid(f"a topic must be 1 to {MAX_TOPIC_CHARS} characters")
    try:
        async with ctx.transaction() as tx:
            existing = await topics_store.names(tx.session)
            if name.casefold() in {n.casefold() for n in existing}:
                raise Conflict(f'there is a topic "{name}" already')
            await topics_store.insert(
                tx.session, name, await topics_store.next_position(tx.session)
            )
            await record(tx.session, ctx, actor, "topic.added", "", name)
    except IntegrityError as exc:  # added by someone else at the same moment
        raise Conflict(f'there is a topic "{name}" already') from exc
    return name


async def remove_topic(ctx: Context, name: str, *, actor: str = "operator") -> None:
    """Take a topic off the list (its past counts stay in the statistics)."""
    name = name.strip()
    if not storable(name):
        raise NotFound(f'there is no topic "{name}"')
    async with ctx.transaction() as tx:
        if not await topics_store.delete_topic(tx.session, name):
            raise NotFound(f'there is no topic "{name}"')
        await record(tx.session, ctx, actor, "topic.removed", "", name)
