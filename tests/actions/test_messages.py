from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from lykt.actions.context import Context, Rules
from lykt.actions.conversations import conversation_view, end_conversation, open_conversation
from lykt.actions.messages import post_message
from lykt.bus import InMemoryBus
from lykt.clock import ManualClock
from lykt.db import Database
from lykt.errors import Conflict, Invalid, NotFound
from lykt.events import Event, MessagePosted

T = TypeVar("T")


def run_with_context(
    database_url: str,
    work: Callable[[Context, list[Event]], Awaitable[T]],
    *,
    clock: ManualClock | None = None,
    rules: Rules | None = None,
) -> T:
    """Run ``work`` with a fresh context (open around the clock unless ``rules`` say not),
    and the events it published."""

    async def main() -> T:
        db = Database(database_url)
        await db.migrate()
        bus = InMemoryBus()
        published: list[Event] = []
        bus.subscribe(published.append)
        ctx = Context(
            db=db, bus=bus, clock=clock or ManualClock(), rules=rules or Rules(always_open=True)
        )
        try:
            return await work(ctx, published)
        finally:
            await ctx.stop()
            await db.dispose()

    return asyncio.run(main())


def test_concurrent_senders_get_gap_free_unique_seqs_in_each_conversation(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        conversations = [(await open_conversation(ctx, 12, "self"))[0] for _ in range(5)]
        posts = [
            post_message(ctx, c.id, "visitor", f"{c.id}-{i}", f"melding {i}")
            for i in range(10)
            for c in conversations
        ]
        results = await asyncio.gather(*posts)
        assert all(created for _, created in results)
        for c in conversations:
            view = await conversation_view(ctx, c.id, 0)
            assert [m.seq for m in view.messages] == list(range(1, 11))
            assert view.conversation.last_seq == 10
            announced = [
                e.seq
                for e in published
                if isinstance(e, MessagePosted) and e.conversation_id == c.id
            ]
            assert announced == list(range(1, 11)), "announced once each, in seq order"

    run_with_context(database_url, work)


def test_the_same_message_sent_twice_at_once_is_stored_once(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        conversation, _ = await open_conversation(ctx, None, "friend")
        first, second = await asyncio.gather(
            post_message(ctx, conversation.id, "visitor", "same", "hei"),
            post_message(ctx, conversation.id, "visitor", "same", "hei"),
        )
        assert first[0].seq == second[0].seq == 1
        assert sorted([first[1], second[1]]) == [False, True]
        view = await conversation_view(ctx, conversation.id, 0)
        assert len(view.messages) == 1
        assert sum(isinstance(e, MessagePosted) for e in published) == 1

    run_with_context(database_url, work)


def test_a_resend_later_gets_the_stored_message_back_unchanged(database_url: str) -> None:
    """After a reload the page sends its outbox again: the message comes back as it was
    stored (seq, text, time), nothing is stored or announced a second time."""

    async def work(ctx: Context, published: list[Event]) -> None:
        conversation, _ = await open_conversation(ctx, None, "friend")
        original, created = await post_message(ctx, conversation.id, "visitor", "x1", "hei æøå")
        await post_message(ctx, conversation.id, "visitor", "x2", "neste")
        again, created_again = await post_message(ctx, conversation.id, "visitor", "x1", "hei æøå")
        assert (created, created_again) == (True, False)
        assert (again.seq, again.text, again.sender) == (1, "hei æøå", "visitor")
        assert again.sent_at == original.sent_at
        assert again.sent_at.tzinfo is not None
        view = await conversation_view(ctx, conversation.id, 0)
        assert [m.client_id for m in view.messages] == ["x1", "x2"]
        assert sum(isinstance(e, MessagePosted) for e in published) == 2

    run_with_context(database_url, work)


def test_a_refused_post_does_not_spoil_the_others_in_its_batch(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        open_one, _ = await open_conversation(ctx, 14, "self")
        ended, _ = await open_conversation(ctx, 14, "self")
        await end_conversation(ctx, ended.id, by="visitor")
        results = await asyncio.gather(
            post_message(ctx, open_one.id, "visitor", "a", "hei"),
            post_message(ctx, ended.id, "visitor", "b", "hei"),
            post_message(ctx, "no-such-conversation", "visitor", "c", "hei"),
            post_message(ctx, open_one.id, "host", "d", "not your chat"),
            post_message(ctx, open_one.id, "visitor", "e", "hallo"),
            post_message(ctx, open_one.id + "\x00", "visitor", "f", "no such id anywhere"),
            return_exceptions=True,
        )
        assert isinstance(results[1], Conflict)
        assert isinstance(results[2], NotFound)
        assert isinstance(results[3], NotFound)
        assert isinstance(results[5], NotFound)
        ok = [r for r in results if isinstance(r, tuple)]
        assert [m.seq for m, _ in ok] == [1, 2]
        view = await conversation_view(ctx, open_one.id, 0)
        assert [m.text for m in view.messages] == ["hei", "hallo"]

    run_with_context(database_url, work)


@pytest.mark.parametrize(
    ("client_id", "text"),
    [
        ("", "hei"),
        ("x" * 65, "hei"),
        ("ok", ""),
        ("ok", " \n\t "),
        ("ok", "x" * 4001),
        ("ok", "\ud800"),
        ("ok", "hei\x00"),  # PostgreSQL cannot store U+0000, so no database takes it
        ("a\x00", "hei"),
        ("\udc80", "hei"),
    ],
)
def test_bad_messages_are_refused_before_anything_is_stored(
    database_url: str, client_id: str, text: str
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        conversation, _ = await open_conversation(ctx, 10, "self")
        with pytest.raises(Invalid):
            await post_message(ctx, conversation.id, "visitor", client_id, text)
        view = await conversation_view(ctx, conversation.id, 0)
        assert view.messages == []
        assert view.conversation.last_seq == 0

    run_with_context(database_url, work)
