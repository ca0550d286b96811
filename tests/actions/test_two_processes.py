"""Two processes on one PostgreSQL database: each with its own ``Database`` (its own engine and
connection pool), its own bus and its own group committer, as two nodes would have them.

On SQLite the write lock serialises every write, but only within one process; here only the
database itself (``SELECT … FOR UPDATE``, the row locks of UPDATE) keeps the rules.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import func, select

from lykt.actions.context import Context, Rules
from lykt.actions.conversations import (
    claim_conversation,
    conversation_view,
    end_conversation,
    open_conversation,
)
from lykt.actions.messages import post_message
from lykt.actions.staff import add_staff
from lykt.bus import InMemoryBus
from lykt.clock import ManualClock
from lykt.db import Database
from lykt.errors import Conflict
from lykt.events import Event, MessagePosted
from lykt.models import Message
from tests.conftest import PASSWORD

pytestmark = pytest.mark.databases("postgresql")
T = TypeVar("T")


class Node:
    """One process's share: an engine, a bus, and what its bus carried."""

    def __init__(self, url: str, rules: Rules, clock: ManualClock) -> None:
        self.db = Database(url)
        self.bus = InMemoryBus()
        self.published: list[Event] = []
        self.bus.subscribe(self.published.append)
        self.clock = clock
        self.ctx = Context(db=self.db, bus=self.bus, clock=clock, rules=rules)

    async def close(self) -> None:
        await self.ctx.stop()
        await self.db.dispose()


def run_on_two_nodes(
    database_url: str,
    work: Callable[[Node, Node], Awaitable[T]],
    rules: Rules | None = None,
) -> T:
    async def main() -> T:
        clock = ManualClock()  # the nodes share the wall clock
        a, b = (Node(database_url, rules or Rules(always_open=True), clock) for _ in range(2))
        assert a.db.engine is not b.db.engine and a.db.engine.pool is not b.db.engine.pool
        try:
            return await work(a, b)
        finally:
            await a.close()
            await b.close()

    return asyncio.run(main())


def test_of_two_hosts_on_two_nodes_claiming_at_once_exactly_one_wins(database_url: str) -> None:
    async def work(a: Node, b: Node) -> None:
        kari = await add_staff(a.ctx, "kari@example.org", "Kari", "host", PASSWORD)
        ola = await add_staff(b.ctx, "ola@example.org", "Ola", "host", PASSWORD)
        for _ in range(20):
            conversation, _ = await open_conversation(a.ctx, 12, "self")
            results = await asyncio.gather(
                claim_conversation(a.ctx, kari, conversation.id),
                claim_conversation(b.ctx, ola, conversation.id),
                return_exceptions=True,
            )
            wins = [r for r in results if not isinstance(r, BaseException)]
            losses = [r for r in results if isinstance(r, Conflict)]
            assert len(wins) == 1 and len(losses) == 1, results
            view = await conversation_view(b.ctx, conversation.id, 0)
            assert view.conversation.host_id == wins[0].host_id
            await end_conversation(a.ctx, wins[0].id, by="host")

    run_on_two_nodes(database_url, work)


def test_two_hosts_on_two_nodes_taking_the_next_visitor_each_get_one(database_url: str) -> None:
    """Claiming "whoever waited longest" at once: the loser of the first visitor gets the
    second, not a conflict."""

    async def work(a: Node, b: Node) -> None:
        kari = await add_staff(a.ctx, "kari@example.org", "Kari", "host", PASSWORD)
        ola = await add_staff(b.ctx, "ola@example.org", "Ola", "host", PASSWORD)
        for _ in range(10):
            first, _ = await open_conversation(a.ctx, 12, "self")
            a.clock.advance(timedelta(seconds=1))
            second, _ = await open_conversation(b.ctx, 12, "self")
            claimed = await asyncio.gather(
                claim_conversation(a.ctx, kari, None), claim_conversation(b.ctx, ola, None)
            )
            assert {c.id for c in claimed} == {first.id, second.id}
            for conversation in claimed:
                await end_conversation(a.ctx, conversation.id, by="host")

    run_on_two_nodes(database_url, work)


def test_one_host_on_two_nodes_cannot_exceed_the_chat_limit(database_url: str) -> None:
    """Two tabs of one host on different nodes claim at once: the limit holds across them."""

    async def work(a: Node, b: Node) -> None:
        kari = await add_staff(a.ctx, "kari@example.org", "Kari", "host", PASSWORD)
        for _ in range(10):
            one, _ = await open_conversation(a.ctx, 12, "self")
            two, _ = await open_conversation(b.ctx, 12, "self")
            results = await asyncio.gather(
                claim_conversation(a.ctx, kari, one.id),
                claim_conversation(b.ctx, kari, two.id),
                return_exceptions=True,
            )
            wins = [r for r in results if not isinstance(r, BaseException)]
            losses = [r for r in results if isinstance(r, Conflict)]
            assert len(wins) == 1 and len(losses) == 1, results
            for conversation in (one, two):
                await end_conversation(b.ctx, conversation.id, by="host")

    run_on_two_nodes(database_url, work, Rules(max_chats_per_host=1, always_open=True))


def test_a_visitor_leaving_as_a_host_claims_ends_with_the_right_reason(database_url: str) -> None:
    """Leaving the queue and being claimed at once, on two nodes: if the claim won, the visitor
    ended a chat; if the leaving won, the claim is refused and the visitor left the queue."""

    async def work(a: Node, b: Node) -> None:
        kari = await add_staff(a.ctx, "kari@example.org", "Kari", "host", PASSWORD)
        for _ in range(20):
            conversation, _ = await open_conversation(a.ctx, 12, "self")
            claimed, _ = await asyncio.gather(
                claim_conversation(a.ctx, kari, conversation.id),
                end_conversation(b.ctx, conversation.id, by="visitor"),
                return_exceptions=True,
            )
            view = await conversation_view(a.ctx, conversation.id, 0)
            if isinstance(claimed, Conflict):
                assert view.conversation.end_reason == "left_queue"
            else:
                assert view.conversation.end_reason == "ended_by_visitor", claimed

    run_on_two_nodes(database_url, work)


def test_posts_through_two_nodes_get_gap_free_seqs_and_are_stored_once(
    database_url: str,
) -> None:
    """Senders on both nodes post into the same two conversations at once (each waiting for
    its ack, as a client does), some resending on the other node what they just sent: every
    conversation's seqs are 1..N, every client_id is stored once, every ack is its seq."""
    senders_per_node, posts_per_sender = 4, 15

    async def work(a: Node, b: Node) -> None:
        host = await add_staff(a.ctx, "kari@example.org", "Kari", "host", PASSWORD)
        conversations = [(await open_conversation(a.ctx, 14, "self"))[0] for _ in range(2)]
        for conversation in conversations:
            await claim_conversation(b.ctx, host, conversation.id)
        acks: dict[tuple[str, str], set[int]] = {}

        async def sender(node: Node, other: Node, name: str) -> None:
            for i in range(posts_per_sender):
                conversation = conversations[i % 2]
                client_id = f"{name}-{i}"
                as_host = i % 3 == 0
                sender_kind, staff = ("host", host) if as_host else ("visitor", None)
                posts = [
                    post_message(node.ctx, conversation.id, sender_kind, client_id, "hei", staff)
                ]
                if i % 5 == 0:  # the same message again at once, through the other node
                    posts.append(
                        post_message(
                            other.ctx, conversation.id, sender_kind, client_id, "hei", staff
                        )
                    )
                results = await asyncio.gather(*posts)
                assert sorted(created for _, created in results) == [False] * (len(results) - 1) + [
                    True
                ], "stored once, the other is answered as a resend"
                for message, _ in results:
                    acks.setdefault((conversation.id, client_id), set()).add(message.seq)

        await asyncio.gather(
            *(
                sender(node, other, f"{label}{n}")
                for (node, other, label) in ((a, b, "a"), (b, a, "b"))
                for n in range(senders_per_node)
            )
        )
        total = 0
        for conversation in conversations:
            view = await conversation_view(a.ctx, conversation.id, 0)
            seqs = [m.seq for m in view.messages]
            assert seqs == list(range(1, len(seqs) + 1)), "a gap or a duplicate seq"
            assert view.conversation.last_seq == len(seqs)
            client_ids = [m.client_id for m in view.messages]
            assert len(client_ids) == len(set(client_ids))
            for m in view.messages:
                assert acks[(conversation.id, m.client_id)] == {m.seq}
            total += len(seqs)
        assert total == len(acks) == 2 * senders_per_node * posts_per_sender
        # Each message was announced once, on the node that stored it, in seq order there.
        announced = [
            (e.conversation_id, e.seq)
            for e in itertools.chain(a.published, b.published)
            if isinstance(e, MessagePosted)
        ]
        assert len(announced) == len(set(announced)) == total
        assert a.published and b.published, "both nodes stored messages"
        for node in (a, b):
            for conversation in conversations:
                mine = [
                    e.seq
                    for e in node.published
                    if isinstance(e, MessagePosted) and e.conversation_id == conversation.id
                ]
                assert mine == sorted(mine)
        async with a.db.read() as session:
            stored = (await session.execute(select(func.count()).select_from(Message))).scalar()
        assert stored == total

    run_on_two_nodes(database_url, work)
