"""Per-socket delivery: bounded queues, slow readers, replays."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lykt.realtime import CLOSE_SLOW_CONSUMER, Admission, Connection


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
        for conn in (slow_conn, fast_conn):
            conn.start_sending()
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
        await slow_conn.stop_sending()

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
        assert socket.sent == []  # held until the welcome is out
        conn.start_sending()
        while len(socket.sent) < 3:
            await asyncio.sleep(0)
        assert conn.backlog == 0
        assert socket.sent == ["seq 4", "other conversation seq 1", "not a message"]

    asyncio.run(main())


def test_an_idle_socket_holds_no_task_and_frames_keep_their_order() -> None:
    async def main() -> None:
        socket = FakeSocket()
        conn = Connection("visitor", socket.send_text, socket.close, queue_size=16)
        conn.start_sending()
        baseline = len(asyncio.all_tasks())
        conn.offer("one")
        conn.offer("two")
        assert len(asyncio.all_tasks()) == baseline + 1  # one drain while there is work
        socket.stalled.set()
        while len(socket.sent) < 2:
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert len(asyncio.all_tasks()) == baseline  # and none once it is sent
        conn.offer("three")
        while len(socket.sent) < 3:
            await asyncio.sleep(0)
        assert socket.sent == ["one", "two", "three"]

    asyncio.run(main())


async def _until(condition: Callable[[], bool], limit: int = 2000) -> None:
    """Let the event loop run until ``condition`` holds (bounded: fails rather than hangs)."""
    for _ in range(limit):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the condition never held")


def test_a_message_that_overtook_the_one_before_it_waits_for_it() -> None:
    """Two processes: the host's own message reaches its socket at once, the visitor's
    comes through Redis a moment later. The socket still sees 1, 2, 3."""

    async def main() -> None:
        socket = FakeSocket()
        socket.stalled.set()
        conn = Connection("staff", socket.send_text, socket.close, queue_size=16)
        conn.mark_replayed("c1", 1)  # the history carried seq 1
        conn.start_sending()
        conn.offer("seq 3", "c1", 3)
        conn.offer("seq 4", "c1", 4)
        conn.offer("other conversation", "c2", 7)
        await _until(lambda: len(socket.sent) == 1)
        assert socket.sent == ["other conversation"]  # 3 and 4 wait for 2
        conn.offer("seq 2", "c1", 2)
        await _until(lambda: len(socket.sent) == 4)
        conn.offer("seq 3 again", "c1", 3)
        conn.offer("seq 5", "c1", 5)
        await _until(lambda: len(socket.sent) == 5)
        assert socket.sent == ["other conversation", "seq 2", "seq 3", "seq 4", "seq 5"]

    asyncio.run(main())


def test_a_gap_that_does_not_fill_in_time_is_sent_anyway_and_the_late_one_too() -> None:
    async def main() -> None:
        socket = FakeSocket()
        socket.stalled.set()
        conn = Connection("visitor", socket.send_text, socket.close, queue_size=16, hold_s=0.01)
        conn.mark_replayed("c1", 1)
        conn.start_sending()
        conn.offer("seq 3", "c1", 3)
        await _until(lambda: socket.sent == ["seq 3"])  # given up waiting for 2
        conn.offer("seq 2, late", "c1", 2)
        conn.offer("seq 2, late, again", "c1", 2)
        conn.offer("seq 4", "c1", 4)
        await _until(lambda: len(socket.sent) == 3)
        assert socket.sent == ["seq 3", "seq 2, late", "seq 4"]

    asyncio.run(main())


def test_a_history_that_carries_the_missing_message_releases_those_waiting() -> None:
    async def main() -> None:
        socket = FakeSocket()
        socket.stalled.set()
        conn = Connection("staff", socket.send_text, socket.close, queue_size=16)
        conn.mark_replayed("c1", 1)
        conn.start_sending()
        conn.offer("seq 4", "c1", 4)
        conn.offer("seq 3", "c1", 3)
        conn.mark_replayed("c1", 3)  # a conversation.history with 1..3 went out
        await _until(lambda: len(socket.sent) == 1)
        assert socket.sent == ["seq 4"]

    asyncio.run(main())


def test_sockets_are_welcomed_in_the_order_they_came_and_told_meanwhile_we_are_here() -> None:
    """After a restart: one at a time here; the others wait in line, first come first
    served, each kept from giving up by a keep-alive, none turned away."""

    async def main() -> None:
        admission = Admission(at_once=1, max_waiting=10, keepalive_s=0.01)
        order: list[str] = []
        kept_alive: list[str] = []
        first_in = asyncio.Event()
        let_go = asyncio.Event()

        async def visitor(name: str) -> None:
            async def still_here() -> None:
                kept_alive.append(name)

            async with admission.turn(still_here) as admitted:
                assert admitted
                order.append(name)
                if name == "a":
                    first_in.set()
                    await let_go.wait()

        a = asyncio.create_task(visitor("a"))
        await first_in.wait()
        waiting = [asyncio.create_task(visitor(n)) for n in ("b", "c", "d")]
        await _until(lambda: {"b", "c", "d"} <= set(kept_alive))
        assert admission.waiting == 3 and order == ["a"]
        let_go.set()
        await asyncio.gather(a, *waiting)
        assert order == ["a", "b", "c", "d"]
        assert admission.waiting == 0 and admission.turned_away == 0

    asyncio.run(main())
