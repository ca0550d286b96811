"""Two Lykt processes on one PostgreSQL database and one Redis serve as one service: the
visitor on one, the host on the other. Redis stops mid-conversation and comes back: nothing
is lost, nothing doubled, and the processes say meanwhile that fan-out is degraded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.databases import PostgresServer
from tests.redisproc import RedisProcess, require_redis
from tests.serverproc import ServerProcess
from tests.test_server_restart import Peer, start_chat

pytestmark = pytest.mark.server


@pytest.fixture
def two_processes(
    tmp_path: Path, postgres: PostgresServer
) -> Iterator[tuple[ServerProcess, ServerProcess, RedisProcess]]:
    require_redis()
    redis = RedisProcess(tmp_path / "redis").start()
    with postgres.fresh_database() as url:
        env = {"LYKT_DATABASE_URL": url, "LYKT_REDIS_URL": redis.url}
        a = ServerProcess(tmp_path / "a", **env)
        b = ServerProcess(tmp_path / "b", **env)
        a.add_staff("kari@example.org", "Kari")
        a.start()
        b.start()
        try:
            yield a, b, redis
        finally:
            a.stop()
            b.stop()
            redis.stop()


def until_closed(peer: Peer) -> None:
    """Read frames until the server closes the socket (it asks the client to resume)."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            peer.handle(peer.recv())
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012


def test_visitor_and_host_on_two_processes_survive_a_redis_restart(
    two_processes: tuple[ServerProcess, ServerProcess, RedisProcess],
) -> None:
    a, b, redis = two_processes
    visitor, host = start_chat(a, b)
    while visitor.recv()["type"] != "host.joined":  # from process b, through Redis
        pass
    for i in range(3):
        visitor.send(f"v{i}", f"visitor {i}")
        host.send(f"h{i}", f"host {i}")
    visitor.settle(6)
    host.settle(6)

    redis.stop()
    ready = httpx.get(a.base_url + "/readyz")
    while ready.json()["bus"] != "degraded":  # the outage is seen at once: sockets close
        ready = httpx.get(a.base_url + "/readyz")
    assert ready.status_code == 200  # still serving: the database is the truth
    for i in range(3, 6):
        visitor.send(f"v{i}", f"visitor {i} while Redis is away")  # stored and acked
    host.send("h3", "host 3 while Redis is away")

    redis.start()
    until_closed(visitor)
    until_closed(host)
    visitor.connect()
    host.connect()
    visitor.settle(10)
    host.settle(10)
    assert visitor.transcript == host.transcript
    assert sorted(visitor.transcript) == list(range(1, 11))
    texts = list(visitor.transcript.values())
    assert len(set(texts)) == 10
    assert "visitor 5 while Redis is away" in texts and "host 3 while Redis is away" in texts
    assert httpx.get(b.base_url + "/readyz").json()["bus"] == "ok"
    visitor.stack.close()
    host.stack.close()
