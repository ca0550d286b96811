"""Per-socket delivery: bounded queues, slow readers, replays."""

from __future__ import annotations

import asyncio

from lykt.realtime import CLOSE_SLOW_CONSUMER, Connection


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed_with: int | None = None
        self.stalled = asyncio.Event()

    async def send_text(self, text: str) -> None:
        await self.stalled.wait()  # a reader that does not read until told to
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = code


def test_a_reader_that_falls_behind_is_closed_to_resume_and_others_are_not_held_up() -> None:
    async def main() -> None:
        slow, fast = FakeSocket(), FakeSocket()
        fast.stalled.set()
        slow_conn = Connection("visitor", slow.send_text, slow.close, queue_size=8)
        fast_conn = Connection("visitor", fast.send_text, fast.close, queue_size=8)
        senders = [asyncio.create_task(c.run_sender()) for c in (slow_conn, fast_conn)]
        for i in range(20):
            for conn in (slow_conn, fast_conn):
                conn.offer(f"frame {i}", "c1", i + 1)
            await asyncio.sleep(0)  # let the senders run, as the event loop would
        for _ in range(100):  # let the close task run
            if slow.closed_with is not None:
                break
            await asyncio.sleep(0)
        assert slow.closed_with == CLOSE_SLOW_CONSUMER
        assert slow_conn.closed
        assert fast.closed_with is None
        assert fast.sent == [f"frame {i}" for i in range(20)]
        for task in senders:
            task.cancel()

    asyncio.run(main())


def test_messages_already_replayed_in_the_welcome_are_not_sent_again() -> None:
    async def main() -> None:
        socket = FakeSocket()
        socket.stalled.set()
        conn = Connection("visitor", socket.send_text, socket.close, queue_size=16)
        conn.offer("seq 3 (queued while the welcome was read)", "c1", 3)
        conn.offer("seq 4", "c1", 4)
        conn.mark_replayed("c1", 3)  # the welcome carried 1..3
        conn.offer("seq 2 (late copy)", "c1", 2)
        conn.offer("other conversation seq 1", "c2", 1)
        conn.offer("not a message")
        sender = asyncio.create_task(conn.run_sender())
        while len(socket.sent) < 3:
            await asyncio.sleep(0)
        sender.cancel()
        assert socket.sent == ["seq 4", "other conversation seq 1", "not a message"]

    asyncio.run(main())
