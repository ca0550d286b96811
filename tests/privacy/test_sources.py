"""Where a request comes from: believed only from trusted proxies, hashed with a daily key,
limited per source, and never kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lykt.app import create_app
from lykt.privacy.sources import AddressResolver, SourceKeys, SourceLimiter, parse_address
from tests.conftest import make_settings

HEADER = "X-Lykt-Client"


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("203.0.113.77:51234", ("203.0.113.77", 51234)),
        ("[2001:db8::1]:443", ("2001:db8::1", 443)),
        ("2001:db8::1:443", ("2001:db8::1", 443)),
        ("203.0.113.77", None),
        ("203.0.113.77:99999", None),
        ("evil.example:80", None),
        ("", None),
        ("[2001:db8::1]", None),
    ],
)
def test_the_proxy_header_is_parsed_strictly(value: str, parsed: tuple[str, int] | None) -> None:
    assert parse_address(value) == parsed


def test_the_header_is_believed_only_from_a_trusted_proxy_and_always_removed() -> None:
    resolver = AddressResolver(["10.0.0.0/8", "127.0.0.1"], HEADER)
    headers = [(b"host", b"chat"), (b"x-lykt-client", b"203.0.113.77:5000")]
    assert resolver.resolve(("10.1.2.3", 80), headers) == (
        ("203.0.113.77", 5000),
        [(b"host", b"chat")],
    )
    # Not a proxy: its own claim is dropped, and its real address is used.
    assert resolver.resolve(("198.51.100.9", 4000), headers) == (
        ("198.51.100.9", 4000),
        [(b"host", b"chat")],
    )
    # A trusted proxy without the header gives no address, not its own.
    assert resolver.resolve(("127.0.0.1", 80), [(b"host", b"chat")])[0] is None
    no_proxies = AddressResolver([], HEADER)
    assert no_proxies.resolve(("127.0.0.1", 80), headers)[0] == ("127.0.0.1", 80)


def test_the_hash_key_changes_every_day_and_is_random() -> None:
    today = [date(2026, 12, 2)]
    keys = SourceKeys(lambda: today[0])
    first = keys.key_for("203.0.113.77")
    assert keys.key_for("203.0.113.77") == first
    assert keys.key_for("203.0.113.78") != first
    assert "203" not in first
    today[0] = date(2026, 12, 3)
    assert keys.key_for("203.0.113.77") != first
    assert SourceKeys(lambda: date(2026, 12, 2)).key_for("203.0.113.77") != first


def test_a_source_gets_its_burst_then_its_rate_and_old_sources_are_forgotten() -> None:
    limiter = SourceLimiter(rate_per_s=1.0, burst=3, max_sources=2)
    assert [limiter.take("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.retry_after_s("a") >= 1
    assert limiter.take("b", now=0.0)
    assert limiter.take("a", now=1.0)  # one token back after a second
    limiter.take("c", now=1.0)
    assert len(limiter._buckets) == 2  # at most max_sources remembered


def test_a_flood_of_new_chats_from_one_source_gets_a_clear_429(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, source_conversations_burst=3)
    with TestClient(create_app(settings)) as client:
        answers = [
            client.post("/api/conversations", json={"age": 12, "about": "self"}) for _ in range(5)
        ]
        assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
        refused = answers[-1]
        assert refused.json()["error"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        assert client.get("/api/status").status_code == 200  # the service is fine


def test_messages_over_the_source_limit_are_refused_one_by_one_and_nothing_accepted_is_lost(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(
        tmp_path, database_url, source_messages_burst=5, source_messages_per_s=0.001
    )
    with TestClient(create_app(settings)) as client:
        tokens = [
            client.post("/api/conversations", json={"age": 12, "about": "self"}).json()["token"]
            for _ in range(2)
        ]
        acked: list[int] = []
        refused = 0
        for token in tokens:  # two sockets from the same source share its limit
            with client.websocket_connect("/ws/visitor") as ws:
                ws.send_json({"type": "hello", "token": token, "last_seq": 0})
                assert ws.receive_json()["type"] == "welcome"
                for i in range(4):
                    ws.send_json({"type": "message.send", "client_id": f"m{i}", "text": "hei"})
                    while True:
                        frame = ws.receive_json()
                        if frame["type"] == "message.ack":
                            acked.append(frame["seq"])
                            break
                        if frame["type"] == "error":
                            assert frame["code"] == "rate_limited"
                            refused += 1
                            break
        assert (len(acked), refused) == (5, 3)
        with client.websocket_connect("/ws/visitor") as ws:
            ws.send_json({"type": "hello", "token": tokens[1], "last_seq": 0})
            assert len(ws.receive_json()["messages"]) == 1  # what was acked is there


@pytest.mark.databases("sqlite")  # it reads the escrow's own SQLite file
def test_without_an_escrow_key_nothing_about_the_address_is_kept(
    tmp_path: Path, database_url: str
) -> None:
    import sqlite3

    settings = make_settings(tmp_path, database_url)
    with TestClient(create_app(settings)) as client:
        token = client.post("/api/conversations", json={"age": 12, "about": "self"}).json()["token"]
        with client.websocket_connect("/ws/visitor") as ws:
            ws.send_json({"type": "hello", "token": token, "last_seq": 0})
            assert ws.receive_json()["type"] == "welcome"
    with sqlite3.connect(settings.data_dir / "escrow.db") as db:
        assert db.execute("select count(*) from escrow_records").fetchone() == (0,)
